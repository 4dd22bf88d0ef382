"""Every app's URL table, in one list."""

from tests.accounts.url_table import ROWS as ACCOUNTS
from tests.api.url_table import ROWS as API
from tests.applications.url_table import ROWS as APPLICATIONS
from tests.assessments.url_table import ROWS as ASSESSMENTS
from tests.funding.url_table import ROWS as FUNDING
from tests.studios.url_table import ROWS as STUDIOS

ALL_ROWS = [*ACCOUNTS, *APPLICATIONS, *STUDIOS, *ASSESSMENTS, *FUNDING, *API]
