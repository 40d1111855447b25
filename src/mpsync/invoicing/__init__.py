"""Invoices: gapless numbering, the document snapshot, amounts in words and the PDF.

The workflow calls ``issue_invoice`` in its transaction; the CLI calls the rest.
"""

from __future__ import annotations

from mpsync.invoicing.document import build_document, vat_included
from mpsync.invoicing.numbering import (
    NumberFormatError,
    check_number_format,
    format_number,
    next_seq,
)
from mpsync.invoicing.pdf import FontNotFoundError, OutputError, find_fonts, render_pdf
from mpsync.invoicing.service import (
    InvoiceNotFound,
    get_invoice,
    invoice_due,
    invoice_payload,
    issue_invoice,
    list_invoices,
    render_invoice,
)
from mpsync.invoicing.words import amount_in_words, number_in_words

__all__ = [
    "FontNotFoundError",
    "InvoiceNotFound",
    "NumberFormatError",
    "OutputError",
    "amount_in_words",
    "build_document",
    "check_number_format",
    "find_fonts",
    "format_number",
    "get_invoice",
    "invoice_due",
    "invoice_payload",
    "issue_invoice",
    "list_invoices",
    "next_seq",
    "number_in_words",
    "render_invoice",
    "render_pdf",
    "vat_included",
]
