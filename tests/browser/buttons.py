"""Which buttons the browser journeys pressed: every POST the live server answers in a browser
test is recorded with its URL name and the action it carried (``action``/``decision`` fields,
or the name of a 保存/提交 button), read from the request Django parsed — the browser does not
show a multipart body with a file in it."""

PRESSED: set[tuple[str, str]] = set()
# The form fields that say which of a page's buttons was pressed.
ACTION_FIELDS = ("action", "decision")
# Buttons whose name is the action (the form's 保存 and 提交).
NAMED_BUTTONS = ("save", "submit")


def record(request) -> None:
    """Remember (URL name, action) of a POST the server answered."""
    match = getattr(request, "resolver_match", None)
    if request.method != "POST" or match is None:
        return
    actions = [v for name in ACTION_FIELDS for v in request.POST.getlist(name)]
    actions += [name for name in NAMED_BUTTONS if name in request.POST]
    # Some buttons say what they do in the URL itself (``calls/<pk>/open/``).
    for action in actions or [match.kwargs.get("action", "")]:
        PRESSED.add((match.url_name, action))


# Every action button of each role's main journey, as (URL name, action), and the journey
# that presses it. ``tests/browser/test_zz_every_button.py`` fails when one was not pressed;
# a new button joins this table with the journey that presses it.
JOURNEYS: dict[tuple[str, str], str] = {
    # The teacher: the form, saved, submitted, resubmitted after a return.
    ("application_start", ""): "liuzhou, suizhou, call lifecycle",
    ("application_edit", "save"): "liuzhou journey",
    ("application_edit", "submit"): "liuzhou journey, call lifecycle",
    # School and county: approve, return, refuse, approve in bulk.
    ("application_review", "approve"): "liuzhou, suizhou",
    ("application_review", "return"): "call lifecycle (school)",
    ("application_review", "reject"): "call lifecycle (county)",
    ("review_bulk", ""): "call lifecycle (school)",
    # The municipal bureau: the call from preparation to publication.
    ("call_create", ""): "call lifecycle",
    ("call_edit", ""): "call lifecycle",
    ("call_action", "open"): "call lifecycle",
    ("call_action", "close"): "call lifecycle (refused before the date, then closed)",
    ("call_packet", ""): "call lifecycle",
    ("application_extension", ""): "call lifecycle",
    ("call_experts", ""): "liuzhou, suizhou",
    ("call_ranking", ""): "liuzhou, suizhou (select)",
    ("call_notice_manage", "start"): "suizhou (public notice)",
    ("call_notice_manage", "resolve"): "suizhou (objection)",
    ("call_publish", ""): "liuzhou, suizhou",
    ("data_import", ""): "large import",
    # The bureau runs its studios.
    ("studio_team", "add"): "studio admin",
    ("studio_team", "replace"): "studio admin",
    ("studio_team", "end"): "studio admin",
    ("recruitment_list", ""): "studio admin (open a round)",
    ("recruitment_close", ""): "studio admin",
    ("recruitment_assign", ""): "studio admin",
    ("recruitment_finish", ""): "studio admin",
    ("term_evaluation", "assign"): "studio admin",
    ("term_evaluation", "decide"): "studio admin",
    ("allocations", "bulk"): "studio money",
    ("allocations", "single"): "studio money",
    ("annual_reports", ""): "studio year (Liuzhou: assess without a report)",
    ("assessment_detail", "decide"): "rectification, studio year",
    # Experts.
    ("assignment_score", "score"): "liuzhou, suizhou",
    ("assignment_score", "conflict"): "liuzhou journey (second expert)",
    ("term_evaluation", "score"): "studio admin",
    ("assessment_detail", "score"): "studio year (Liuzhou)",
    # The host.
    ("activity_create", ""): "studio life",
    ("activity_edit", ""): "studio life",
    ("plan_edit", ""): "studio year",
    ("studio_outputs", "save"): "studio year",
    ("studio_outputs", "delete"): "studio year",
    ("studio_growth", ""): "studio year (review a summary)",
    ("annual_report", "save"): "studio year",
    ("annual_report", "attach"): "studio year",
    ("annual_report", "detach"): "studio year",
    ("annual_report", "submit"): "studio year",
    ("assessment_detail", "rectification_submit"): "rectification, studio year",
    ("studio_funding", "record"): "studio money",
    ("studio_funding", "reverse"): "studio money",
    ("studio_funding", "asset_register"): "studio money",
    ("studio_funding", "asset_dispose"): "studio money",
    # Members and teachers.
    ("attendance_confirm", ""): "studio life",
    ("my_growth", "plan"): "studio year",
    ("my_growth", "summary"): "studio year",
    ("seat_request", ""): "studio admin",
    # The school's finance officer.
    ("special_account", ""): "studio money",
    ("expenditure_decide", "confirm"): "studio money",
    ("expenditure_decide", "reject"): "studio money",
    # The continuing-education centre: reports and rectification.
    ("annual_report", "return"): "studio year",
    ("annual_report", "accept"): "rectification, studio year",
    ("assessment_detail", "rectification_accept"): "rectification",
    ("assessment_detail", "rectification_reject"): "studio year (the studio revoked)",
    # Auditors, visitors and everyone's own pages.
    ("audit_export", ""): "audit export",
    ("objection_file", ""): "suizhou (a visitor without an account)",
    ("login", ""): "every journey",
    ("logout", ""): "shell",
    ("language_switch", ""): "shell",
    ("otp_setup", ""): "account security",
    ("otp_verify", ""): "account security",
    ("preferences", ""): "shell",
    ("password_change", ""): "shell",
    ("notifications_read", ""): "shell",
}

# Buttons no journey presses, and why.
NOT_IN_A_JOURNEY: dict[tuple[str, str], str] = {
    ("assessment_detail", ""): (
        "the indicators table is one form; for anyone but the scoring expert and the deciding "
        "bureau it shows the scores and has no button"
    ),
    ("assessment_detail", "rectification_open"): (
        "shown only for a fail decided without a rectification under a policy that rectifies; "
        "deciding a fail there opens one at once (tests/assessments/test_annual.py)"
    ),
}
