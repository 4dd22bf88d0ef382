"""URL × role table: calls, the form, review, experts, notice and publication.

The demo objects: Liuzhou's open call and its applications at each step (``lz.at_county`` is
at 柳城县中学, ``lz.at_city`` at 融安县实验小学, ``lz.returned`` at 柳南区实验小学), a call
still being prepared, Suizhou's call in its public notice with an objection on file.
"""

from tests.matrix.table import CITY, EVERYONE, FORBIDDEN, LZ, PUBLIC, Row

SZ_NOT_CITY = (
    "sz_teacher sz_school sz_county sz_county_suixian sz_ce sz_expert sz_auditor "
    "sz_auditor_zengdu sz_p1 sz_finance sz_member"
)
LZ_NOT_CITY = (
    "lz_teacher lz_school lz_county lz_county_luzhai lz_ce lz_expert lz_auditor "
    "lz_auditor_liucheng lz_p1 lz_finance lz_member"
)
# Who reads an application past the school, in its city: the bureau, the centre, auditors.
LZ_READERS = "admin lz_city lz_ce lz_auditor"

ROWS = [
    Row("applications:call_list", ok=EVERYONE),
    Row("applications:call_create", ok="admin lz_city sz_city"),
    Row("applications:call_detail", pk="call:lz.open", ok=f"admin {LZ}", visibility=CITY),
    # A call being prepared is the bureau's alone.
    Row(
        "applications:call_detail",
        pk="call:lz.draft",
        ok="admin lz_city",
        visibility=CITY,
        variant="draft",
    ),
    Row(
        "applications:call_edit",
        pk="call:lz.open",
        ok="admin lz_city",
        also={FORBIDDEN: LZ_NOT_CITY},
        visibility=CITY,
    ),
    Row(
        "applications:call_action",
        pk="call:lz.draft",
        action="open",
        method="POST",
        ok="admin lz_city",
        visibility=CITY,
    ),
    Row(
        "applications:call_action",
        pk="call:lz.open",
        action="close",
        method="POST",
        ok="admin lz_city",
        also={FORBIDDEN: LZ_NOT_CITY},
        visibility=CITY,
        variant="close",
    ),
    # Anyone of the city may press 申报; the service tells a non-teacher why not.
    Row(
        "applications:application_start",
        pk="call:lz.open",
        method="POST",
        ok=f"admin {LZ}",
        visibility=CITY,
    ),
    Row(
        "applications:application_detail",
        pk="application:lz.at_county",
        ok="admin lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
    ),
    # A draft is its applicant's alone.
    Row(
        "applications:application_detail",
        pk="application:lz.draft",
        ok="admin lz_teacher",
        variant="draft",
    ),
    # Each step's page, so that the fuzz finds each reviewer's decision form.
    Row(
        "applications:application_detail",
        pk="application:lz.at_school",
        ok="admin lz_school lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
        variant="at_school",
    ),
    Row(
        "applications:application_detail",
        pk="application:lz.at_city",
        ok=LZ_READERS,
        variant="at_city",
    ),
    Row(
        "applications:application_detail",
        pk="application:lz.returned",
        ok=LZ_READERS,
        variant="returned",
    ),
    Row(
        "applications:application_detail",
        pk="application:lz.expert_review",
        ok=f"{LZ_READERS} lz_expert",
        variant="expert_review",
    ),
    Row(
        "applications:application_detail",
        pk="application:sz.at_city",
        ok="admin sz_city sz_ce sz_auditor",
        variant="sz",
    ),
    # Only the applicant edits; those who may read it are refused, the others never find it.
    Row(
        "applications:application_edit", pk="application:lz.returned", also={FORBIDDEN: LZ_READERS}
    ),
    Row(
        "applications:application_attach",
        pk="application:lz.returned",
        method="POST",
        also={FORBIDDEN: LZ_READERS},
    ),
    Row(
        "applications:application_detach",
        pk="application:lz.returned",
        attachment_pk="application_attachment:lz.returned",
        method="POST",
        also={FORBIDDEN: LZ_READERS},
    ),
    # Filling the draft from a Word form: the applicant's alone, like the attachments.
    Row(
        "applications:application_docx_upload",
        pk="application:lz.returned",
        method="POST",
        also={FORBIDDEN: LZ_READERS},
    ),
    Row(
        "applications:review_queue",
        ok="lz_school lz_county lz_county_luzhai lz_city sz_school sz_county "
        "sz_county_suixian sz_city",
    ),
    Row(
        "applications:review_bulk",
        method="POST",
        ok="lz_school lz_county lz_county_luzhai lz_city sz_school sz_county "
        "sz_county_suixian sz_city",
    ),
    # Readers may post a decision; the workflow refuses anyone but the step's reviewer, with a
    # message on the application's page (the fuzz checks that nothing changed).
    Row(
        "applications:application_review",
        pk="application:lz.at_county",
        method="POST",
        ok="admin lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
    ),
    Row(
        "applications:application_extension",
        pk="application:lz.returned",
        method="POST",
        ok="admin lz_city",
        also={FORBIDDEN: "lz_ce lz_auditor"},
    ),
    Row("applications:call_applications", pk="call:lz.open", ok=f"admin {LZ}", visibility=CITY),
    Row("applications:application_pdf", pk="application:lz.at_city", ok=LZ_READERS),
    Row("applications:application_docx", pk="application:lz.at_city", ok=LZ_READERS),
    # A level's stamped scan: whoever reads the application.
    Row(
        "applications:review_scan",
        pk="application:lz.at_city",
        step_pk="review_step:lz.at_city",
        ok=LZ_READERS,
    ),
    Row("applications:application_photo", pk="application:lz.at_city", ok=LZ_READERS),
    Row(
        "applications:application_attachment",
        pk="application:lz.returned",
        attachment_pk="application_attachment:lz.returned",
        ok=LZ_READERS,
    ),
    Row(
        "applications:call_attachment",
        pk="call:lz.open",
        attachment_pk="call_attachment:lz.open",
        ok=f"admin {LZ}",
        visibility=CITY,
    ),
    Row(
        "applications:call_packet",
        pk="call:lz.open",
        ok="admin lz_city",
        also={FORBIDDEN: LZ_NOT_CITY},
        visibility=CITY,
    ),
    Row(
        "applications:call_experts",
        pk="call:lz.open",
        ok="admin lz_city",
        also={FORBIDDEN: LZ_NOT_CITY},
        visibility=CITY,
    ),
    Row(
        "applications:call_ranking",
        pk="call:lz.open",
        ok="admin lz_city",
        also={FORBIDDEN: LZ_NOT_CITY},
        visibility=CITY,
    ),
    Row("applications:expert_queue", ok="lz_expert sz_expert"),
    # An assignment is its expert's alone.
    Row("applications:assignment_score", pk="assignment:lz.expert", ok="lz_expert"),
    Row(
        "applications:call_notice_manage",
        pk="call:sz.notice",
        ok="admin sz_city",
        also={FORBIDDEN: SZ_NOT_CITY},
        visibility=CITY,
    ),
    Row(
        "applications:call_publish",
        pk="call:sz.notice",
        method="POST",
        ok="admin sz_city",
        also={FORBIDDEN: SZ_NOT_CITY},
        visibility=CITY,
    ),
    Row("applications:public_notice", pk="call:sz.notice", visibility=PUBLIC),
    Row(
        "applications:objection_file",
        pk="call:sz.notice",
        application_pk="application:sz.notice",
        visibility=PUBLIC,
    ),
    Row("applications:public_results", pk="call:lz.published", visibility=PUBLIC),
    Row("studios:plaque_verify", visibility=PUBLIC),
    Row("studios:studio_certificate", pk="studio:lz.p1", ok="admin lz_city lz_p1"),
]
