"""Message content: text, image (by URL or uploaded file) and video (YouTube or Vimeo).

Everything a message may carry is checked here, once, for every door (socket, form, API).
"""

import io
import re
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MAX_IMAGE_SIDE = 20000
# Other files people share, recognised by their bytes (filetype); served only as downloads.
FILE_TYPES = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/gzip": "gz",
    "application/x-tar": "tar",
    "application/x-bzip2": "bz2",
    "application/x-7z-compressed": "7z",
    "application/x-xz": "xz",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "text/plain": "txt",
}
FILE_NAME_MAX = 120
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{1,12}$")


@dataclass(frozen=True)
class Content:
    kind: str  # Message.Kind
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise ValidationError("The message must be text.", code="invalid")
    if "\x00" in text:
        raise ValidationError("The message may not contain NUL characters.", code="invalid")
    text = text.strip()
    if not text:
        raise ValidationError("The message is empty.", code="empty")
    limit = settings.UCHAT_MESSAGE_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            f"The message is too long ({len(text):,} characters; at most {limit:,}).",
            code="too_long",
        )
    return text


def _caption(value: Any) -> str:
    if value in (None, ""):
        return ""
    return clean_text(value)


def _http_url(value: Any, code: str) -> str:
    if not isinstance(value, str) or len(value) > 2000 or "\x00" in value:
        raise ValidationError("The url must be text of at most 2,000 characters.", code=code)
    parsed = urlparse(value.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValidationError("Only http(s) URLs are accepted.", code=code)
    return value.strip()


def _dimension(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_IMAGE_SIDE:
        raise ValidationError(
            f"The image {name} must be a whole number from 1 to {MAX_IMAGE_SIDE}.",
            code="invalid_image",
        )
    return value


def video_embed_url(url: str, source: str) -> str | None:
    """The player URL of a YouTube or Vimeo video, or None when ``url`` is not one."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    parts = [p for p in parsed.path.split("/") if p]
    if source == "youtube":
        video_id = None
        if host == "youtu.be" and parts:
            video_id = parts[0]
        elif host in {"youtube.com", "youtube-nocookie.com"}:
            if parts[:1] == ["watch"]:
                video_id = (parse_qs(parsed.query).get("v") or [""])[0] or None
            elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
                video_id = parts[1]
        if video_id and _YOUTUBE_ID.match(video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif source == "vimeo":
        if host == "vimeo.com" and parts and _VIMEO_ID.match(parts[-1]):
            return f"https://player.vimeo.com/video/{parts[-1]}"
        if host == "player.vimeo.com" and len(parts) == 2 and _VIMEO_ID.match(parts[1]):
            return f"https://player.vimeo.com/video/{parts[1]}"
    return None


def video_source_guess(url: str) -> str | None:
    host = (urlparse(url).hostname or "").lower()
    if host.endswith(("youtube.com", "youtu.be", "youtube-nocookie.com")):
        return "youtube"
    if host.endswith("vimeo.com"):
        return "vimeo"
    return None


def clean_content(content: Any) -> Content:
    """Validate a content object as clients send it: {"type": "text"|"image"|"video", ...}."""
    if not isinstance(content, dict):
        raise ValidationError("content must be an object with a type.", code="unknown_type")
    kind = content.get("type")
    if kind == "text":
        try:
            return Content(kind="text", body=clean_text(content.get("text")))
        except ValidationError as exc:
            raise ValidationError(f"Invalid text: {exc.messages[0]}", code="invalid_text") from None
    if kind == "image":
        return Content(
            kind="image",
            body=_caption(content.get("caption")),
            data={
                "url": _http_url(content.get("url"), "invalid_image"),
                "width": _dimension(content.get("width"), "width"),
                "height": _dimension(content.get("height"), "height"),
            },
        )
    if kind == "video":
        url = _http_url(content.get("url"), "invalid_video")
        source = content.get("source") or video_source_guess(url)
        if not isinstance(source, str) or source not in {"youtube", "vimeo"}:
            raise ValidationError(
                "The video source must be youtube or vimeo.", code="invalid_video"
            )
        embed = video_embed_url(url, source)
        if embed is None:
            raise ValidationError(f"That is not a {source} video URL.", code="invalid_video")
        return Content(
            kind="video",
            body=_caption(content.get("caption")),
            data={"url": url, "source": source, "embed_url": embed},
        )
    raise ValidationError("Unknown content type: use text, image or video.", code="unknown_type")


def _check_size(upload: UploadedFile, what: str, code: str) -> None:
    limit = settings.UCHAT_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"The {what} is too large (at most {limit // (1024 * 1024)} MB).", code=code
        )
    if upload.size == 0:
        raise ValidationError(f"The {what} is empty.", code=code)


def _is_text(upload: UploadedFile) -> bool:
    """UTF-8 text with no NUL byte, read to its end (it is at most the upload limit)."""
    try:
        data = upload.read()
        return b"\x00" not in data and bool(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)


# Other names a kind of file goes by: a download keeps the extension it was shared with when
# it is one of these (notes.md stays notes.md), and gets the kind's own extension otherwise.
FILE_EXTENSION_ALIASES = {
    "txt": {"txt", "text", "md", "markdown", "log"},
    "gz": {"gz", "tgz"},
    "bz2": {"bz2", "tbz", "tbz2"},
    "xz": {"xz", "txz"},
}
# Extensions that run something when a person opens the file (Windows, macOS, Linux desktops,
# browsers, Office macros). Inside a name ("setup.exe.zip") their dot becomes "_", so that no
# unpacking or renaming step can bring them back as the real extension.
# fmt: off
RUNNABLE_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "scr", "pif", "cpl", "msi", "msp", "mst", "msc", "hta", "htm",
    "html", "xht", "xhtml", "shtml", "mht", "mhtml", "svg", "js", "jse", "mjs", "vbs", "vbe",
    "wsf", "wsh", "ws", "ps1", "psm1", "psd1", "ps1xml", "reg", "lnk", "url", "scf", "inf",
    "gadget", "chm", "hlp", "jar", "apk", "app", "dmg", "pkg", "command", "sh", "bash", "csh",
    "ksh", "zsh", "run", "desktop", "appimage", "deb", "rpm", "py", "pyw", "pl", "rb", "php",
    "asp", "aspx", "jsp", "cgi", "iso", "img", "vhd", "vhdx", "docm", "dotm", "xlsm", "xltm",
    "xlam", "pptm", "potm", "ppam", "sldm", "application", "appref-ms", "library-ms",
    "search-ms", "settingcontent-ms", "xbap", "xll",
})
# fmt: on


def file_name_clean(name: str | None, *, extension: str) -> str:
    """The name a file downloads under: what the person called it (the last path part, no
    control or invisible characters, no runs of spaces) with the extension of what its bytes
    are (``extension``, from FILE_TYPES): "Invoice.pdf.bat" that is text downloads as
    "Invoice.pdf.txt", a zip called "setup.exe" as "setup.zip". At most FILE_NAME_MAX
    characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*')
    name = " ".join(name.split()).strip(" .")
    aliases = FILE_EXTENSION_ALIASES.get(extension, {extension})
    stem, dot, last = name.rpartition(".")
    if not dot:
        stem, last = name, ""
    if last.lower() not in aliases:
        last = extension
        # "report.pdf.exe" that is a PDF: the name already ends as it should.
        inner = stem.rpartition(".")
        if inner[1] and inner[2].lower() in aliases:
            stem, last = inner[0], inner[2]
    parts = stem.rstrip(" .").split(".")
    stem = parts[0] + "".join(
        ("_" if part.lower().strip() in RUNNABLE_EXTENSIONS else ".") + part for part in parts[1:]
    )
    stem = stem.strip(" .")[: FILE_NAME_MAX - len(last) - 1].rstrip(" .") or "file"
    return f"{stem}.{last}"


def clean_file(upload: UploadedFile) -> tuple[str, str, dict[str, Any]]:
    """Check an uploaded file by its bytes (never its name or declared type): an image (then
    as clean_image_file) or one of FILE_TYPES. Returns (kind, file extension, content data)."""
    _check_size(upload, "file", "invalid_file")
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in IMAGE_TYPES:
        extension, width, height = clean_image_file(upload)
        return "image", extension, {"width": width, "height": height}
    mime = kind.mime if kind is not None else ("text/plain" if _is_text(upload) else None)
    if mime not in FILE_TYPES:
        raise ValidationError(
            "This kind of file is not accepted: share images, PDF, text, office documents "
            "or archives (zip, tar, gz, 7z).",
            code="invalid_file",
        )
    data = {
        "name": file_name_clean(upload.name, extension=FILE_TYPES[mime]),
        "size": upload.size,
        "mime": mime,
    }
    return "file", FILE_TYPES[mime], data


def clean_image_file(upload: UploadedFile) -> tuple[str, int, int]:
    """Check an uploaded image by its bytes (never its name or declared type).
    Returns (file extension, width, height)."""
    _check_size(upload, "image", "invalid_image")
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise ValidationError(
            "Only JPEG, PNG, GIF and WebP images are accepted.", code="invalid_image"
        )
    try:
        with Image.open(upload) as image:
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > settings.UCHAT_MAX_IMAGE_PIXELS:
                raise ValidationError(
                    f"The image has too many pixels ({width}×{height}; at most "
                    f"{settings.UCHAT_MAX_IMAGE_PIXELS // 1_000_000} million).",
                    code="invalid_image",
                )
            # Only EXIF already read with the header: reading more would decode the image.
            turned = "exif" in image.info and _orientation(image) in _SIDEWAYS
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("The file is not a readable image.", code="invalid_image") from None
    finally:
        upload.seek(0)
    if not (1 <= width <= MAX_IMAGE_SIDE and 1 <= height <= MAX_IMAGE_SIDE):
        raise ValidationError("The image is too large in pixels.", code="invalid_image")
    if turned:  # the sides it is shown with (browsers follow the EXIF orientation)
        width, height = height, width
    return IMAGE_TYPES[kind.mime], width, height


# EXIF orientations that show the image turned a quarter: its shown width is its height.
_SIDEWAYS = {5, 6, 7, 8}
# What Pillow reads from an image that says nothing about the person: kept when an image is
# stored. Any other key (exif, xmp, comment, photoshop, PNG text chunks, ...) is metadata.
_HARMLESS_INFO = frozenset(
    {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform",
     "progressive", "progression", "icc_profile", "gamma", "srgb", "transparency", "aspect",
     "interlace", "chromaticity", "loop", "duration", "background", "timestamp", "disposal",
     "blend", "default_image"}
)  # fmt: skip
# JPEG segments without metadata: JFIF, the colour profile and Adobe's colour transform.
_HARMLESS_JPEG_SEGMENTS = {
    "APP0": (b"JFIF", b"JFXX"),
    "APP2": (b"ICC_PROFILE",),
    "APP14": (b"Adobe",),
}


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (ValueError, TypeError, KeyError, OSError, SyntaxError, struct.error):
        return 1  # unreadable EXIF: shown as stored
    return value if isinstance(value, int) else 1


def _carries_metadata(image: Image.Image) -> bool:
    if set(image.info) - _HARMLESS_INFO or image.format == "MPO":
        return True  # MPO: a JPEG followed by more pictures (depth maps, previews)
    return any(
        not data.startswith(_HARMLESS_JPEG_SEGMENTS.get(marker, ()))
        for marker, data in getattr(image, "applist", [])
    )


def _webp_is_lossless(data: bytes) -> bool:
    """Whether a still WebP holds lossless data (a VP8L chunk), from its RIFF chunks."""
    offset = 12
    while offset + 8 <= len(data):
        chunk = data[offset : offset + 4]
        if chunk in (b"VP8L", b"VP8 "):
            return chunk == b"VP8L"
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + size + (size & 1)
    return False


# GIF application extensions that only say how to play the animation (loop count).
_GIF_PLAYBACK_EXTENSIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_carries_metadata(data: bytes) -> bool:
    """Whether a GIF holds more than pictures and how to play them: a comment or plain-text
    extension, an application extension other than the loop count (XMP, ICC, a maker's own),
    or bytes after its end, in any frame. Walks the blocks (Pillow reads only some, and only
    those of the first frame); a GIF it cannot follow counts as carrying some."""
    if len(data) < 13:
        return True
    offset = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)

    def skip_sub_blocks(at: int) -> int:
        while at < len(data) and data[at]:
            at += 1 + data[at]
        return at + 1

    while offset < len(data):
        kind = data[offset]
        if kind == 0x3B:  # the end: anything after it was appended
            return offset + 1 != len(data)
        if kind == 0x2C:  # a frame: its descriptor, colour table, code size, then its data
            flags = data[offset + 9] if offset + 9 < len(data) else 0
            offset += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            offset = skip_sub_blocks(offset)
        elif kind == 0x21 and offset + 1 < len(data):
            label = data[offset + 1]
            identity = data[offset + 3 : offset + 3 + data[offset + 2]] if label == 0xFF else b""
            if label != 0xF9 and identity not in _GIF_PLAYBACK_EXTENSIONS:
                return True  # 0xF9: a frame's timing and transparency
            offset = skip_sub_blocks(offset + 2)
        else:
            return True
    return True  # no end


def image_metadata_strip(upload: UploadedFile) -> tuple[UploadedFile, int, int]:
    """The image without what it says about the person who took it: EXIF (the GPS position,
    the camera, the time), XMP, IPTC, comments and PNG text. A still image is first turned
    as its EXIF orientation says, so it shows the same without it; an animation keeps its
    frames as they are. The colour profile stays. JPEGs are written again with their own
    quantisation tables, PNG and lossless WebP without loss, lossy WebP at quality 90. A GIF
    loses its comments and application extensions (XMP among them) and keeps its frames,
    their timing and its loop count. An image without metadata is returned as it came.
    Returns (the file to store, width, height). Call after clean_image_file (its checks)."""
    try:
        with Image.open(upload) as image:
            image.load()  # PNG text and eXIf after the pixel data are read only now
            if image.format == "GIF":
                upload.seek(0)
                carries = _gif_carries_metadata(upload.read())
            else:
                carries = _carries_metadata(image) or _orientation(image) != 1
            if not carries:
                return upload, *image.size
            out = io.BytesIO()
            _save_without_metadata(image, out, upload)
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError("The file is not a readable image.", code="invalid_image") from None
    finally:
        upload.seek(0)
    stripped = SimpleUploadedFile(upload.name or "image", out.getvalue(), upload.content_type or "")
    return stripped, width, height


def _save_without_metadata(image: Image.Image, out: io.BytesIO, upload: UploadedFile) -> None:
    source = image.format
    options: dict[str, Any] = {}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if source == "GIF":
        # Pillow writes a comment only when given one, and no application extension but the
        # loop count; each frame's duration it takes from the frame. No loop count: played
        # once, as sent.
        if "loop" in image.info:
            options["loop"] = image.info["loop"]
        image.info.pop("comment", None)
        image.save(out, format="GIF", save_all=True, **options)
        return
    if source in ("PNG", "WEBP") and getattr(image, "n_frames", 1) > 1:
        options.update(save_all=True, loop=image.info.get("loop", 0))
    else:
        ImageOps.exif_transpose(image, in_place=True)
    if source in ("JPEG", "MPO"):
        # "keep": the photo's own quantisation tables and subsampling, so writing it again
        # loses next to nothing (Pillow offers it for plain JPEGs only).
        options.update(comment=b"", quality="keep" if source == "JPEG" else 95)
        image.save(out, format="JPEG", **options)
    elif source == "WEBP":
        upload.seek(0)
        lossless = not options.get("save_all") and _webp_is_lossless(upload.read())
        image.save(
            out, format="WEBP", lossless=lossless, quality=100 if lossless else 90, **options
        )
    else:
        image.save(out, format=source, **options)
