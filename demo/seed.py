"""Demo data for both cities: real counties/districts, plausible schools, one user per role.

Everything goes through services, so the demo exercises the same rules as the product.
Idempotent: every step is get-or-create by a stable code.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, Role, User
from accounts.services import city_ensure, organisation_ensure, role_assign, user_ensure
from applications.demo import seed_applications
from assessments.demo import seed_assessments
from core import clock
from funding.demo import seed_funding
from policies.models import TeamRole
from policies.services import policy_load_preset
from studios.demo import first_host, seed_studio_life

P, J, S, V, K = "primary", "junior", "senior", "vocational", "kindergarten"

CITIES = {
    "liuzhou-2024": {
        "ce_centre": ("lz-jjzx", "柳州市中小学教师（校长）继续教育中心"),
        "counties": [
            ("chengzhong", "城中区"),
            ("yufeng", "鱼峰区"),
            ("liunan", "柳南区"),
            ("liubei", "柳北区"),
            ("liujiang", "柳江区"),
            ("liucheng", "柳城县"),
            ("luzhai", "鹿寨县"),
            ("rongan", "融安县"),
            ("rongshui", "融水苗族自治县"),
            ("sanjiang", "三江侗族自治县"),
        ],
        "schools": [
            # (code, name, county code or None for bureau-affiliated, stages)
            ("lzgz", "柳州高级中学", None, [S]),
            ("lztyz", "柳州铁一中学", None, [J, S]),
            ("lzyz", "柳州市第一职业技术学校", None, [V]),
            ("chengzhong-sy", "城中区实验小学", "chengzhong", [P]),
            ("yufeng-cz", "鱼峰区第一初级中学", "yufeng", [J]),
            ("liunan-xx", "柳南区实验小学", "liunan", [P]),
            ("liubei-cz", "柳北区第二初级中学", "liubei", [J]),
            ("liujiang-zx", "柳江区第一中学", "liujiang", [J, S]),
            ("liucheng-sx", "柳城县实验小学", "liucheng", [P]),
            ("liucheng-zx", "柳城县中学", "liucheng", [J, S]),
            ("luzhai-sx", "鹿寨县实验小学", "luzhai", [P]),
            ("luzhai-zx", "鹿寨县中学", "luzhai", [J, S]),
            ("rongan-sx", "融安县实验小学", "rongan", [P]),
            ("rongshui-mz", "融水苗族自治县民族中学", "rongshui", [J, S]),
            ("sanjiang-gy", "三江侗族自治县古宜镇中心小学", "sanjiang", [P]),
        ],
        "prefix": "lz",
        "users": [
            # (suffix, full name, role, organisation code)
            ("teacher", "韦丽华", Role.TEACHER, "liucheng-sx"),
            ("school", "覃志强", Role.SCHOOL_ADMIN, "liucheng-sx"),
            ("county", "蓝海燕", Role.COUNTY_REVIEWER, "liucheng"),
            ("county_luzhai", "莫建国", Role.COUNTY_REVIEWER, "luzhai"),
            ("city", "韦益金", Role.MUNICIPAL_ADMIN, "lzjyj"),
            ("ce", "黄晓梅", Role.CE_OFFICER, "lz-jjzx"),
            ("expert", "梁文博", Role.EXPERT, "lzjyj"),
            ("auditor", "潘明", Role.AUDITOR, "lzjyj"),
            ("auditor_liucheng", "吴静", Role.AUDITOR, "liucheng"),
        ],
    },
    "suizhou": {
        "ce_centre": ("sz-jjzx", "随州市中小学教师（校长）继续教育中心"),
        "counties": [
            ("zengdu", "曾都区"),
            ("suixian", "随县"),
            ("guangshui", "广水市"),
            ("gaoxin", "随州高新技术产业开发区"),
            ("dahongshan", "大洪山风景名胜区"),
        ],
        "schools": [
            ("szyz", "随州市第一中学", None, [S]),
            ("szez", "随州市第二中学", None, [S]),
            ("zengdu-sx", "曾都区实验小学", "zengdu", [P]),
            ("zengdu-yey", "曾都区实验幼儿园", "zengdu", [K]),
            ("zengdu-cz", "曾都区第一初级中学", "zengdu", [J]),
            ("suixian-zx", "随县第一中学", "suixian", [S]),
            ("suixian-sx", "随县实验小学", "suixian", [P]),
            ("guangshui-sx", "广水市实验小学", "guangshui", [P]),
            ("guangshui-yz", "广水市第一高级中学", "guangshui", [S]),
            ("gaoxin-xx", "高新区实验学校", "gaoxin", [P, J]),
            ("dahongshan-xx", "大洪山中心小学", "dahongshan", [P]),
        ],
        "prefix": "sz",
        "users": [
            ("teacher", "王芳", Role.TEACHER, "zengdu-sx"),
            ("school", "李国华", Role.SCHOOL_ADMIN, "zengdu-sx"),
            ("county", "张敏", Role.COUNTY_REVIEWER, "zengdu"),
            ("county_suixian", "刘洋", Role.COUNTY_REVIEWER, "suixian"),
            ("city", "陈建平", Role.MUNICIPAL_ADMIN, "szjyj"),
            ("ce", "周红", Role.CE_OFFICER, "sz-jjzx"),
            ("expert", "杨立新", Role.EXPERT, "szjyj"),
            ("auditor", "赵磊", Role.AUDITOR, "szjyj"),
            ("auditor_zengdu", "孙丽", Role.AUDITOR, "zengdu"),
        ],
    },
}


@dataclass
class DemoLogin:
    username: str
    full_name: str
    role: str
    organisation: str


def seed_demo(*, with_applications: bool = True) -> list[DemoLogin]:
    # Hashed once for every demo account: the hasher is slow on purpose, and most of the
    # seeding's time went into hashing the same password again for each user.
    password_hash = make_password(settings.MINGSHI_DEMO_PASSWORD)
    logins: list[DemoLogin] = []
    admin = user_ensure(username="admin", full_name="系统管理员", password_hash=password_hash)
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    logins.append(DemoLogin("admin", admin.full_name, str(_("Superuser")), "—"))

    for preset, spec in CITIES.items():
        policy = policy_load_preset(actor=None, code=preset)
        city = city_ensure(code=policy.city.code, name=policy.city.name)
        bureau = city.organisations.get(kind=OrganisationKind.MUNICIPAL_BUREAU)
        orgs = {bureau.code: bureau}
        ce_code, ce_name = spec["ce_centre"]
        orgs[ce_code] = organisation_ensure(
            city=city, kind=OrganisationKind.CE_CENTRE, code=ce_code, name=ce_name, parent=bureau
        )
        for code, name in spec["counties"]:
            orgs[code] = organisation_ensure(
                city=city,
                kind=OrganisationKind.COUNTY_BUREAU,
                code=code,
                name=name,
                parent=bureau,
            )
        for code, name, county, stages in spec["schools"]:
            orgs[code] = organisation_ensure(
                city=city,
                kind=OrganisationKind.SCHOOL,
                code=code,
                name=name,
                parent=orgs[county] if county else bureau,
                school_stages=stages,
            )
        for suffix, full_name, role, org_code in spec["users"]:
            username = f"{spec['prefix']}_{suffix}"
            user = user_ensure(
                username=username,
                full_name=full_name,
                email=f"{username}@example.org",
                password_hash=password_hash,
            )
            role_assign(actor=None, user=user, role=role, organisation=orgs[org_code])
            logins.append(DemoLogin(username, full_name, str(role.label), orgs[org_code].name))
        if with_applications:
            today = clock.today()  # the day the app sees, so a rehearsal can set it
            seed_applications(policy, spec["prefix"], password_hash, today)
            seed_studio_life(policy, spec["prefix"], password_hash, today)
            seed_assessments(policy, spec["prefix"], today)
            seed_funding(policy, spec["prefix"], today, password_hash=password_hash)
            host = first_host(policy)
            # The studio's people, found by the usernames the apps' demos gave them.
            studio_people = [
                (host.username if host else "", TeamRole.HOST.label),
                (f"{spec['prefix']}_assistant", TeamRole.ASSISTANT.label),
                (f"{spec['prefix']}_advisor", TeamRole.ADVISOR.label),
                (f"{spec['prefix']}_member", TeamRole.MEMBER.label),
                (f"{spec['prefix']}_finance", Role.FINANCE_OFFICER.label),
            ]
            found = User.objects.in_bulk(
                [name for name, _label in studio_people], field_name="username"
            )
            for username, label in studio_people:
                if username in found:
                    person = found[username]
                    logins.append(
                        DemoLogin(username, person.full_name, str(label), policy.city.name)
                    )
    return logins
