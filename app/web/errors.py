"""Error pages in plain language (Indonesian first), and JSON for clients that ask for JSON."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..engine import WorkflowRuntimeError

logger = logging.getLogger("app.engine")

# status -> (title, explanation)
MESSAGES: dict[int, tuple[Any, Any]] = {
    400: (
        _l("Permintaan tidak dapat diproses"),
        _l("Formulir mungkin sudah kedaluwarsa. Muat ulang halaman, lalu coba kirim lagi."),
    ),
    403: (
        _l("Akses ditolak"),
        _l(
            "Anda tidak berhak membuka halaman ini. Bila Anda petugas, pastikan peran dan "
            "Surat Tugas Anda masih berlaku, atau hubungi administrator."
        ),
    ),
    404: (
        _l("Halaman tidak ditemukan"),
        _l("Alamat yang Anda buka tidak ada atau sudah dipindahkan. Periksa kembali alamatnya."),
    ),
    405: (
        _l("Cara akses tidak diizinkan"),
        _l("Halaman ini tidak dapat dibuka dengan cara tersebut."),
    ),
    409: (
        _l("Data sudah berubah"),
        _l(
            "Orang lain baru saja mengubah data ini. Muat ulang halaman untuk melihat keadaan "
            "terbaru; isian Anda belum tersimpan."
        ),
    ),
    413: (
        _l("Berkas terlalu besar"),
        _l(
            "Ukuran berkas yang dikirim melebihi batas. Perkecil atau kurangi lampiran, lalu "
            "coba lagi."
        ),
    ),
    422: (
        _l("Isian belum lengkap"),
        _l("Periksa kembali isian formulir."),
    ),
    429: (
        _l("Terlalu banyak permintaan"),
        _l(
            "Anda mengirim terlalu banyak permintaan dalam waktu singkat. Tunggu sebentar, lalu "
            "coba lagi."
        ),
    ),
    500: (
        _l("Terjadi kesalahan pada sistem"),
        _l(
            "Maaf, permintaan Anda gagal diproses. Coba lagi beberapa saat lagi. Bila masalah "
            "berlanjut, hubungi kantor Disdukcapil."
        ),
    ),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, detail: str | None = None) -> tuple[Any, int]:
    """The error page for STATUS (HTML, or JSON when the client prefers it)."""
    title, explanation = MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        return {"status": "error", "code": status, "message": str(title), "detail": detail}, status
    return (
        render_template(
            "web/error.html", status=status, title=title, explanation=explanation, detail=detail
        ),
        status,
    )


def _handle_http(exc: HTTPException) -> Any:
    if exc.code is None or exc.code < 400:
        return exc
    if exc.code not in MESSAGES:
        return exc
    return render_error(exc.code)


def _handle_csrf(exc: CSRFError) -> Any:
    return render_error(400)


def _handle_unexpected(exc: InternalServerError) -> Any:
    return render_error(500)


def _handle_workflow_failure(exc: WorkflowRuntimeError) -> Any:
    """The diagram failed at an element: the request changed nothing; say where, and log it."""
    logger.error(
        "workflow step failed: element=%s path=%s reason=%s",
        exc.element_id or "-",
        request.path,
        exc.reason[:300],
    )
    element = exc.element_name or exc.element_id or "?"
    return render_error(
        500,
        _(
            'Langkah proses gagal di elemen "%(element)s"; tidak ada yang berubah. '
            "Laporkan kepada pemilik proses.",
            element=element,
        ),
    )


def register_error_handlers(app: Flask) -> None:
    """Route HTTP errors to the plain-language pages."""
    app.register_error_handler(WorkflowRuntimeError, _handle_workflow_failure)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
