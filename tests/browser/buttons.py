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
        PRESSED.add((match.view_name, action))


# Every action button of each role's main journey, as (URL name, action), and the journey
# that presses it. ``tests/browser/test_zz_every_button.py`` fails when one was not pressed;
# a new button joins this table with the journey that presses it.
JOURNEYS: dict[tuple[str, str], str] = {
    # The teacher: the form, saved, submitted, resubmitted after a return.
    ("applications:application_start", ""): "liuzhou, suizhou, call lifecycle",
    ("applications:application_edit", "save"): "liuzhou journey",
    ("applications:application_edit", "submit"): "liuzhou journey, call lifecycle",
    # School and county: approve, return, refuse, approve in bulk.
    ("applications:application_review", "approve"): "liuzhou, suizhou",
    ("applications:application_review", "return"): "call lifecycle (school)",
    ("applications:application_review", "reject"): "call lifecycle (county)",
    ("applications:review_bulk", ""): "call lifecycle (school)",
    # The municipal bureau: the call from preparation to publication.
    ("applications:call_create", ""): "call lifecycle",
    ("applications:call_edit", ""): "call lifecycle",
    ("applications:call_action", "open"): "call lifecycle",
    ("applications:call_action", "close"): "call lifecycle (refused before the date, then closed)",
    ("applications:call_packet", ""): "call lifecycle",
    ("applications:application_extension", ""): "call lifecycle",
    ("applications:call_experts", ""): "liuzhou, suizhou",
    ("applications:call_ranking", ""): "liuzhou, suizhou (select)",
    ("applications:call_notice_manage", "start"): "suizhou (public notice)",
    ("applications:call_notice_manage", "resolve"): "suizhou (objection)",
    ("applications:call_publish", ""): "liuzhou, suizhou",
    ("funding:data_import", ""): "large import",
    # The municipal bureau sets up and changes its city's rules.
    ("policies:policy_create", "save"): "policy editor",
    ("policies:policy_edit", "save"): "policy editor (a new version, then a refused edit)",
    ("policies:policy_form_edit", "save"): "policy editor (the application form's title)",
    # The bureau runs its studios.
    ("studios:studio_team", "add"): "studio admin",
    ("studios:studio_team", "replace"): "studio admin",
    ("studios:studio_team", "end"): "studio admin",
    ("studios:recruitment_list", ""): "studio admin (open a round)",
    ("studios:recruitment_close", ""): "studio admin",
    ("studios:recruitment_assign", ""): "studio admin",
    ("studios:recruitment_finish", ""): "studio admin",
    ("assessments:term_evaluation", "assign"): "studio admin",
    ("assessments:term_evaluation", "decide"): "studio admin",
    ("funding:allocations", "bulk"): "studio money",
    ("funding:allocations", "single"): "studio money",
    ("assessments:annual_reports", ""): "studio year (Liuzhou: assess without a report)",
    ("assessments:assessment_detail", "decide"): "rectification, studio year",
    # Experts.
    ("applications:assignment_score", "score"): "liuzhou, suizhou",
    ("applications:assignment_score", "conflict"): "liuzhou journey (second expert)",
    ("assessments:term_evaluation", "score"): "studio admin",
    ("assessments:assessment_detail", "score"): "studio year (Liuzhou)",
    # The host.
    ("studios:activity_create", ""): "studio life",
    ("studios:activity_edit", ""): "studio life",
    ("studios:plan_edit", ""): "studio year",
    ("studios:studio_outputs", "save"): "studio year",
    ("studios:studio_outputs", "delete"): "studio year",
    ("studios:studio_growth", ""): "studio year (review a summary)",
    # The assistant and the advisor (no demo login; tests/browser/test_studio_roles.py).
    ("studios:liaison_list", ""): "studio roles (the assistant records a liaison)",
    ("studios:liaison_edit", ""): "studio roles (the assistant adds the follow-up)",
    ("studios:comment_add", ""): "studio roles (the advisor comments)",
    ("assessments:annual_report", "save"): "studio year",
    ("assessments:annual_report", "attach"): "studio year",
    ("assessments:annual_report", "detach"): "studio year",
    ("assessments:annual_report", "submit"): "studio year",
    ("assessments:assessment_detail", "rectification_submit"): "rectification, studio year",
    ("funding:studio_funding", "record"): "studio money",
    ("funding:studio_funding", "reverse"): "studio money",
    ("funding:studio_funding", "asset_register"): "studio money",
    ("funding:studio_funding", "asset_dispose"): "studio money",
    # Members and teachers.
    ("studios:attendance_confirm", ""): "studio life",
    ("studios:my_growth", "plan"): "studio year",
    ("studios:my_growth", "summary"): "studio year",
    ("studios:seat_request", ""): "studio admin",
    ("studios:calendar_feeds", "make"): "public pages (a member's calendar address, renewed)",
    ("studios:calendar_feeds", "revoke"): "public pages (a member's calendar address)",
    ("accounts:access_tokens", "make"): "API tokens (refused without a scope, then made)",
    ("accounts:access_tokens", "revoke"): "API tokens",
    # The school's finance officer.
    ("funding:special_account", ""): "studio money",
    ("funding:expenditure_decide", "confirm"): "studio money",
    ("funding:expenditure_decide", "reject"): "studio money",
    # The continuing-education centre: reports and rectification.
    ("assessments:annual_report", "return"): "studio year",
    ("assessments:annual_report", "accept"): "rectification, studio year",
    ("assessments:assessment_detail", "rectification_accept"): "rectification",
    ("assessments:assessment_detail", "rectification_reject"): "studio year (the studio revoked)",
    # Auditors, visitors and everyone's own pages.
    ("funding:audit_export", ""): "audit export",
    ("applications:objection_file", ""): "suizhou (a visitor without an account)",
    ("accounts:login", ""): "every journey",
    ("accounts:logout", ""): "shell",
    ("accounts:language_switch", ""): "shell",
    ("accounts:otp_setup", ""): "account security",
    ("accounts:otp_verify", ""): "account security",
    ("accounts:preferences", ""): "shell",
    ("accounts:password_change", ""): "shell",
    ("accounts:notifications_read", ""): "shell",
    # Notice channels: a teacher chooses them; a school adds, tests and removes its robot.
    ("accounts:notice_channels", ""): "notice channels",
    ("accounts:organisation_robots", ""): "notice channels",
    ("accounts:chat_robot", "save"): "notice channels",
    ("accounts:chat_robot", "test"): "notice channels",
    ("accounts:chat_robot", "delete"): "notice channels",
    # Onboarding: the school invites and prints codes; the people set their passwords.
    ("accounts:organisation_people", "invite"): "account security (onboarding)",
    ("accounts:organisation_people", "invite_all"): "account security (onboarding)",
    ("accounts:organisation_people", "codes"): "account security (onboarding)",
    ("accounts:organisation_people", "codes_pdf"): "account security (onboarding)",
    ("accounts:invitation_accept", ""): "account security (onboarding)",
    ("applications:application_docx_upload", ""): "new bureau (the form read back from Word)",
    ("accounts:activate", ""): "account security (onboarding)",
    ("accounts:password_reset", ""): "account security (onboarding)",
    ("accounts:password_reset_confirm", ""): "account security (onboarding)",
}

# Buttons no journey presses, and why.
NOT_IN_A_JOURNEY: dict[tuple[str, str], str] = {
    ("assessments:assessment_detail", ""): (
        "the indicators table is one form; for anyone but the scoring expert and the deciding "
        "bureau it shows the scores and has no button"
    ),
    ("assessments:assessment_detail", "rectification_open"): (
        "shown only for a fail decided without a rectification under a policy that rectifies; "
        "deciding a fail there opens one at once (tests/assessments/test_annual.py)"
    ),
}
