"""Checks for notice attachments and reply files (documents and pictures a county sends around):
the size and count limits of the settings, an allowed extension, and contents that match it
(a renamed program is refused). Files are only ever served as downloads by the scoped view."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
#: extension -> accepted leading bytes (None: text, must be UTF-8)
SIGNATURES = {
    "pdf": (b"%PDF",), "doc": (_OLE,), "xls": (_OLE,), "wps": (_OLE,), "et": (_OLE,),
    "docx": (_ZIP,), "xlsx": (_ZIP,), "pptx": (_ZIP,), "ppt": (_OLE,),
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",),
    "txt": None, "csv": None,
}
ALLOWED = "、".join(sorted(SIGNATURES))


def check_files(uploads) -> list:
    """The uploads, checked (all or none): a ValidationError in Chinese naming the file."""
    uploads = [u for u in uploads or () if u]
    if len(uploads) > settings.NOTICE_FILES_MAX:
        raise ValidationError(f"附件最多 {settings.NOTICE_FILES_MAX} 个,您选择了 {len(uploads)} 个。")
    limit = settings.NOTICE_FILE_MAX_BYTES
    for f in uploads:
        name = f.name or "附件"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in SIGNATURES:
            raise ValidationError(f"“{name}”的文件类型不支持,请上传 {ALLOWED} 文件。")
        if f.size > limit:
            raise ValidationError(f"“{name}”太大(最多 {limit // 1024 // 1024} MB),请压缩后再上传。")
        if f.size == 0:
            raise ValidationError(f"“{name}”是空文件,请重新选择。")
        f.seek(0)
        head = f.read(2048)
        f.seek(0)
        sigs = SIGNATURES[ext]
        if sigs is None:
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as e:
                if e.start < len(head) - 4:  # a multi-byte character cut at the end is fine
                    raise ValidationError(f"“{name}”不是 UTF-8 文本文件。") from None
        elif not any(head.startswith(s) for s in sigs):
            raise ValidationError(f"“{name}”的内容与扩展名 .{ext} 不符,请上传真实的 {ext} 文件。")
    return uploads
