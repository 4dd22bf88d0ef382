"""The application form as a Word file (.docx): out in the official layout, and back in.

Cities ask for the form "电子版（Word和盖章扫描后的PDF版）": the Word file is laid out from the
same cells as the PDF (``documents._form`` over ``form_layout``), so the two cannot disagree
(``export``). A teacher who filled the form in Word (ours, or the city's own attachment typed
in) uploads it on their draft; ``reading.docx_read`` finds the answers by the form's labels,
wherever the tables put them, and ``prefill.application_prefill_from_docx`` writes them through
``application_save_draft`` (the same permission and lock as the web form) and reports what it
could and could not read.

The form is printed in Chinese whatever the reader's language (it is the bureau's document);
the report is in the reader's language, quoting the form's own labels.
"""

from .export import DOCX_CONTENT_TYPE, application_docx, docx_filename
from .prefill import application_prefill_from_docx
from .reading import MAX_DOCX_BYTES, DocxReport, DocxValues, docx_read

__all__ = [
    "DOCX_CONTENT_TYPE",
    "MAX_DOCX_BYTES",
    "DocxReport",
    "DocxValues",
    "application_docx",
    "application_prefill_from_docx",
    "docx_filename",
    "docx_read",
]
