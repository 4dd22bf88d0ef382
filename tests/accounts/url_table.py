"""URL × role table: accounts, and the site's own URLs (the language: tests/matrix/table.py)."""

from tests.matrix.table import (
    EVERYONE,
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    PERSONAL,
    PUBLIC,
    REDIRECT,
    Row,
)

# Who oversees organisations: every reviewer, the bureau, the centre, experts and auditors.
OVERSIGHT_LZ = "lz_school lz_county lz_county_luzhai lz_city lz_ce lz_expert lz_auditor"
OVERSIGHT_SZ = "sz_school sz_county sz_county_suixian sz_city sz_ce sz_expert sz_auditor"
# Who invites people (accounts.permissions.ONBOARDING_ROLES).
ONBOARDING_LZ = "lz_school lz_county lz_county_luzhai lz_city"
ONBOARDING_SZ = "sz_school sz_county sz_county_suixian sz_city"

ROWS = [
    Row("healthz", visibility=PUBLIC),
    Row("healthz_live", visibility=PUBLIC),
    Row("javascript-catalog", visibility=PUBLIC),
    Row("accounts:home", ok=EVERYONE),
    # A logged-in user who opens the login page is sent home.
    Row("accounts:login", visibility=PUBLIC, others=REDIRECT),
    Row("accounts:logout", method="POST", others=LOGIN),
    # Single sign-on is not set up in the demo: both legs are absent (tests/accounts/test_sso.py
    # runs them against a real provider).
    Row("accounts:sso_start", anon=NOT_FOUND, others=NOT_FOUND),
    Row("accounts:sso_callback", anon=NOT_FOUND, others=NOT_FOUND),
    # The second factor: one's own security page and authenticator setup. Verifying is for a
    # login that waits for its code; a user with no device to verify is sent on.
    Row("accounts:security", ok=EVERYONE),
    Row("accounts:otp_setup", ok=EVERYONE),
    Row("accounts:otp_verify", others=REDIRECT),
    Row("accounts:password_change", ok=EVERYONE),
    Row("accounts:password_change_done", ok=EVERYONE),
    Row("accounts:preferences", ok=EVERYONE),
    # Notice channels: one's own for everyone; an organisation's group robots for its own
    # administrators only (its overseers above see the organisation, not its robots: 403).
    Row("accounts:notice_channels", ok=EVERYONE),
    # One's own API tokens (a revoke names a token, looked up among one's own: 404 otherwise).
    Row("accounts:access_tokens", ok=EVERYONE),
    Row(
        "accounts:organisation_robots",
        pk="org:lz.liucheng-sx",
        ok="admin lz_school",
        also={FORBIDDEN: "lz_county lz_city lz_ce lz_expert lz_auditor lz_auditor_liucheng"},
    ),
    Row(
        "accounts:organisation_robots",
        pk="org:lz.bureau",
        variant="bureau",
        ok="admin lz_city",
        also={FORBIDDEN: "lz_ce lz_expert lz_auditor"},
    ),
    Row(
        "accounts:chat_robot",
        pk="robot:lz.liucheng-sx",
        ok="admin lz_school",
        also={FORBIDDEN: "lz_county lz_city lz_ce lz_expert lz_auditor lz_auditor_liucheng"},
    ),
    Row(
        "accounts:language_switch", method="POST", visibility=PUBLIC, anon=REDIRECT, others=REDIRECT
    ),
    Row("accounts:inbox", ok=EVERYONE),
    Row("accounts:notifications_read", method="POST", ok=EVERYONE),
    # Opening a notification marks it read and follows its link: its recipient only.
    Row(
        "accounts:notification_open",
        pk="notification:lz_city",
        also={REDIRECT: "lz_city"},
        visibility=PERSONAL,
    ),
    Row(
        "accounts:organisation_list",
        ok=f"admin {OVERSIGHT_LZ} lz_auditor_liucheng {OVERSIGHT_SZ} sz_auditor_zengdu",
    ),
    # A school of 柳城县: its own staff, its county, and the city-wide roles of Liuzhou.
    Row(
        "accounts:organisation_detail",
        pk="org:lz.liucheng-sx",
        ok="admin lz_school lz_county lz_city lz_ce lz_expert lz_auditor lz_auditor_liucheng",
    ),
    Row(
        "accounts:audit_trail",
        ok="admin lz_school lz_county lz_county_luzhai lz_city lz_ce lz_auditor "
        "lz_auditor_liucheng sz_school sz_county sz_county_suixian sz_city sz_ce sz_auditor "
        "sz_auditor_zengdu",
    ),
    # Onboarding. A first password from an invitation link or a printed code, and a forgotten
    # one: open to everyone, the secret is the key (a wrong one is a page that says so).
    Row("accounts:invitation_accept", token="not-a-real-token", visibility=PUBLIC),
    Row("accounts:activate", visibility=PUBLIC),
    Row("accounts:password_reset", visibility=PUBLIC),
    Row("accounts:password_reset_done", visibility=PUBLIC),
    Row("accounts:password_reset_confirm", uidb64="MQ", token="not-a-token", visibility=PUBLIC),
    Row("accounts:password_reset_complete", visibility=PUBLIC),
    # Inviting people: the administrators of a school, a county and the bureau, in their scope.
    Row("accounts:onboarding_batch", ok=f"admin {ONBOARDING_LZ} {ONBOARDING_SZ}"),
    Row(
        "accounts:organisation_people",
        pk="org:lz.liucheng-sx",
        ok="admin lz_school lz_county lz_city",
        also={FORBIDDEN: "lz_ce lz_expert lz_auditor lz_auditor_liucheng"},
    ),
    # A background job is its owner's alone, superusers included.
    Row("accounts:job_detail", pk="job:lz_city", ok="lz_city", visibility=PERSONAL),
    Row("accounts:job_download", pk="job:lz_city", ok="lz_city", visibility=PERSONAL),
]
