"""Figures of the matrix and the fuzz, printed in one line at the end of the run."""

from collections import Counter

matrix_requests: Counter = Counter()
matrix_urls: set[str] = set()
matrix_roles: set[str] = set()
fuzz_forms: set[str] = set()
fuzz_posts: Counter = Counter()
server_errors: Counter = Counter()
# The roles whose pages the fuzz crawled, and the buttons it found on them: (URL name, action).
fuzz_roles: set[str] = set()
buttons_found: dict[tuple[str, str], set[str]] = {}


def record_matrix(row_id: str, role: str, status: int) -> None:
    matrix_urls.add(row_id.split("[")[0].split(" ")[0])
    matrix_roles.add(role)
    matrix_requests["all"] += 1
    if status >= 500:
        server_errors["matrix"] += 1


def record_fuzz(form_id: str, status: int) -> None:
    fuzz_forms.add(form_id)
    fuzz_posts["all"] += 1
    if status >= 500:
        server_errors["fuzz"] += 1


def record_buttons(role: str, pairs) -> None:
    fuzz_roles.add(role)
    for pair in pairs:
        buttons_found.setdefault(pair, set()).add(role)


def summary() -> str | None:
    from tests.browser import buttons

    pressed = len(set(buttons.JOURNEYS) & buttons.PRESSED)
    if not matrix_requests and not fuzz_posts and not pressed:
        return None
    named = {u for u in matrix_urls if not u.startswith("admin:")}
    admin = len(matrix_urls) - len(named)
    return (
        f"URL x role matrix: {len(named)} URL patterns + {admin} admin pages x "
        f"{len(matrix_roles)} roles, {matrix_requests['all']} requests, "
        f"{server_errors['matrix']} server errors; "
        f"form fuzz: {len(fuzz_forms)} forms, {fuzz_posts['all']} posts, "
        f"{server_errors['fuzz']} server errors; "
        f"journey buttons pressed in the browser: {pressed} of {len(buttons.JOURNEYS)}"
    )
