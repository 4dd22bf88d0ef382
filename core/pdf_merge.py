"""Merge PDFs into one, writing object by object, so that memory does not grow with the parts.

pypdf's ``PdfWriter`` keeps every page it was given until it writes the file: merging a call's
hundreds of forms that way holds them all at once. Here each part is opened with a
``PdfReader`` in turn, the objects its pages reach are given new numbers and written out at
once, and only their offsets and the new page numbers are kept; the page tree, the outline
(one bookmark per part), the catalog and the cross-reference table are written at the end.
Peak memory is one part's objects, whatever the number of parts.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

logger = logging.getLogger(__name__)


@dataclass
class Part:
    """One PDF to append: ``open()`` gives a binary file to read (closed after use); a part
    with a ``title`` starts a bookmark at its first page."""

    open: Callable[[], BinaryIO]
    title: str = ""


class OutputError(Exception):
    """Writing the merged PDF failed (a full disk): unlike a broken part, this stops the merge."""


class _Counter:
    """A write-only wrapper that knows how many bytes went through (the objects' offsets)."""

    def __init__(self, out: BinaryIO):
        self.out, self.position = out, 0

    def write(self, data: bytes) -> int:
        try:
            self.out.write(data)
        except OSError as exc:
            raise OutputError(str(exc)) from exc
        self.position += len(data)
        return len(data)


class _Output:
    def __init__(self, out: BinaryIO):
        self.stream = _Counter(out)
        self.offsets: dict[int, int] = {}
        self.last_id = 0

    def reserve(self) -> int:
        self.last_id += 1
        return self.last_id

    def write(self, idnum: int, obj) -> None:
        self.offsets[idnum] = self.stream.position
        self.stream.write(f"{idnum} 0 obj\n".encode())
        obj.write_to_stream(self.stream)
        self.stream.write(b"\nendobj\n")


def merge_pdfs(parts: Iterable[Part], out: BinaryIO) -> int:
    """Write the pages of ``parts``, in order, as one PDF to ``out``; return the page count.

    A part that cannot be read (broken, or encrypted with a password) is left out, as the
    packet always did; objects it had written stay in the file, unreachable.
    """
    from pypdf.generic import (  # noqa: PLC0415
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        NumberObject,
        create_string_object,
    )

    output = _Output(out)
    output.stream.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    pages_id, catalog_id, outline_id = output.reserve(), output.reserve(), output.reserve()
    page_ids: list[int] = []
    bookmarks: list[tuple[str, int]] = []
    for part in parts:
        try:
            with part.open() as handle:
                ids = _copy_pages(handle, output, pages_id)
        except OutputError:
            raise
        except Exception:  # pypdf raises many kinds of error on a broken file
            logger.warning("a part of a merged PDF could not be read; left out", exc_info=True)
            continue
        if ids and part.title:
            bookmarks.append((part.title, ids[0]))
        page_ids.extend(ids)

    kids = ArrayObject(IndirectObject(idnum, 0, None) for idnum in page_ids)
    output.write(
        pages_id,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): kids,
                NameObject("/Count"): NumberObject(len(page_ids)),
            }
        ),
    )
    catalog = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(pages_id, 0, None),
        }
    )
    if bookmarks:
        item_ids = [output.reserve() for _ in bookmarks]
        for index, ((title, page_id), item_id) in enumerate(zip(bookmarks, item_ids, strict=True)):
            item = DictionaryObject(
                {
                    NameObject("/Title"): create_string_object(title),
                    NameObject("/Parent"): IndirectObject(outline_id, 0, None),
                    NameObject("/Dest"): ArrayObject(
                        [IndirectObject(page_id, 0, None), NameObject("/Fit")]
                    ),
                }
            )
            if index:
                item[NameObject("/Prev")] = IndirectObject(item_ids[index - 1], 0, None)
            if index + 1 < len(item_ids):
                item[NameObject("/Next")] = IndirectObject(item_ids[index + 1], 0, None)
            output.write(item_id, item)
        output.write(
            outline_id,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Outlines"),
                    NameObject("/First"): IndirectObject(item_ids[0], 0, None),
                    NameObject("/Last"): IndirectObject(item_ids[-1], 0, None),
                    NameObject("/Count"): NumberObject(len(item_ids)),
                }
            ),
        )
        catalog[NameObject("/Outlines")] = IndirectObject(outline_id, 0, None)
    output.write(catalog_id, catalog)
    _write_xref(output, catalog_id)
    return len(page_ids)


class _Renumbering:
    """The new numbers of one source's objects, handed out as references to them are met;
    each object met is queued to be written once."""

    def __init__(self, output: _Output):
        self.output = output
        self.numbers: dict[tuple[int, int], int] = {}
        self.pending: deque = deque()

    def number(self, reference, *, queue: bool = True) -> int:
        key = (reference.idnum, reference.generation)
        if key not in self.numbers:
            self.numbers[key] = self.output.reserve()
            if queue:
                self.pending.append(reference)
        return self.numbers[key]

    def rewrite(self, obj):
        """``obj`` with its references renumbered; containers are changed in place (the reader
        is dropped after this part, and each of its objects is written once)."""
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject  # noqa: PLC0415

        if isinstance(obj, IndirectObject):
            return IndirectObject(self.number(obj), 0, None)
        if isinstance(obj, DictionaryObject):  # streams too
            for key, value in list(dict.items(obj)):
                dict.__setitem__(obj, key, self.rewrite(value))
        elif isinstance(obj, ArrayObject):
            for index, value in enumerate(list.__iter__(obj)):
                list.__setitem__(obj, index, self.rewrite(value))
        return obj

    def write_pending(self) -> None:
        from pypdf.generic import NullObject  # noqa: PLC0415

        while self.pending:
            reference = self.pending.popleft()
            target = reference.get_object()
            target = NullObject() if target is None else self.rewrite(target)
            self.output.write(self.number(reference), target)


def _copy_pages(handle: BinaryIO, output: _Output, pages_id: int) -> list[int]:
    """Write the pages of the PDF in ``handle`` and every object they reach, renumbered;
    return the new numbers of the pages."""
    from pypdf import PdfReader  # noqa: PLC0415

    reader = PdfReader(handle)
    try:
        return _copy_reader_pages(reader, output, pages_id)
    finally:
        # pypdf's objects point back at their reader (IndirectObject.pdf, PageObject.pdf) and
        # the reader caches them: those cycles would wait for the garbage collector, and memory
        # would grow with the parts until it ran. Emptying the reader frees the part at once.
        vars(reader).clear()


def _copy_reader_pages(reader, output: _Output, pages_id: int) -> list[int]:
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject  # noqa: PLC0415

    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted with a password")
    pages = list(reader.pages)
    renumbering = _Renumbering(output)
    # Pages first, so that a reference to a page (a link, an annotation's /P) finds its number.
    page_ids = [renumbering.number(page.indirect_reference, queue=False) for page in pages]
    for page, idnum in zip(pages, page_ids, strict=True):
        # PageObject already holds what the page inherited from the source's page tree.
        page = DictionaryObject(dict.items(page))
        page.pop(NameObject("/Parent"), None)
        page.pop(NameObject("/StructParents"), None)  # the source's structure tree stays behind
        page = renumbering.rewrite(page)
        page[NameObject("/Parent")] = IndirectObject(pages_id, 0, None)
        output.write(idnum, page)
        renumbering.write_pending()
    return page_ids


def _write_xref(output: _Output, root_id: int) -> None:
    """The classic cross-reference table; numbers reserved but never written are free."""
    stream = output.stream
    start = stream.position
    size = output.last_id + 1
    lines = [f"xref\n0 {size}\n".encode(), b"0000000000 65535 f \n"]
    for idnum in range(1, size):
        offset = output.offsets.get(idnum)
        lines.append(
            b"0000000000 65535 f \n" if offset is None else f"{offset:010d} 00000 n \n".encode()
        )
    stream.write(b"".join(lines))
    stream.write(
        f"trailer\n<< /Size {size} /Root {root_id} 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    )
