"""Photos lose what they say about the person (EXIF with the GPS position, XMP, comments,
PNG text) when stored, and are turned upright first; unless the person chose to keep it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from rooms import services
from rooms.models import Message

SECRETS = (b"secret-place", b"secret-comment", b"PhoneCo", b"secret-text")


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (12.0, 58.0, 17.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (77.0, 35.0, 40.0)
    return exif


def red_then_blue() -> Image.Image:
    """40 by 20 pixels: the left half red, the right half blue."""
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    return image


def photo_jpeg(orientation: int = 6) -> bytes:
    """A phone photo: taken sideways (EXIF orientation 6: turn it 90° clockwise to show it),
    with where it was taken, the camera, XMP and a comment."""
    buffer = io.BytesIO()
    red_then_blue().save(
        buffer,
        "JPEG",
        quality=95,
        exif=exif_with_gps(orientation),
        xmp=b"<x:xmpmeta><exif:GPSLatitude>secret-place</exif:GPSLatitude></x:xmpmeta>",
        comment=b"secret-comment",
    )
    return buffer.getvalue()


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Photos", members=[other_user])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_bytes() -> bytes:
    with Message.objects.get().attachment.open("rb") as stored:
        return stored.read()


@pytest.mark.parametrize("field", ["file", "image"])
def test_a_photo_is_stored_without_its_location_and_stays_upright(auth_client, room, media, field):
    sent = photo_jpeg()
    assert gps_of(sent)  # the photo as the phone made it
    upload = SimpleUploadedFile("IMG_2041.jpg", sent, content_type="image/jpeg")
    response = auth_client.post(f"/conversations/{room.pk}/upload/", {field: upload})
    assert response.status_code == 201, response.content
    data = stored_bytes()
    assert gps_of(data) == {}
    assert not any(secret in data for secret in SECRETS)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert set(image.info) & {"exif", "xmp", "comment"} == set()
        # Turned as the orientation said: 20 wide, 40 high, red on top, blue below.
        assert image.size == (20, 40)
        top, bottom = (_rgb(image, (10, 5)), _rgb(image, (10, 35)))
        assert (top[0] > 200, top[2] < 60) == (True, True)  # red
        assert (bottom[0] < 60, bottom[2] > 200) == (True, True)  # blue
    content = response.json()["message"]["content"]
    assert (content["width"], content["height"]) == (20, 40)


def test_keep_metadata_stores_the_photo_as_sent(auth_client, room, media):
    sent = photo_jpeg()
    upload = SimpleUploadedFile("IMG_2041.jpg", sent, content_type="image/jpeg")
    response = auth_client.post(
        f"/conversations/{room.pk}/upload/", {"file": upload, "keep_metadata": "true"}
    )
    assert response.status_code == 201, response.content
    assert stored_bytes() == sent
    assert gps_of(stored_bytes())[ExifTags.GPS.GPSLatitudeRef] == "N"
    # Shown turned by the browser (EXIF orientation): the sides it is shown with.
    content = response.json()["message"]["content"]
    assert (content["width"], content["height"]) == (20, 40)


def test_png_and_webp_lose_their_metadata_too(user, room, media):
    png = io.BytesIO()
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret-text")
    text.add_itxt("XML:com.adobe.xmp", "<x>secret-place</x>")
    red_then_blue().save(png, "PNG", exif=exif_with_gps(), pnginfo=text)
    webp = io.BytesIO()
    red_then_blue().save(
        webp, "WEBP", lossless=True, exif=exif_with_gps(), xmp=b"<x>secret-place</x>"
    )
    for name, sent in (("shot.png", png.getvalue()), ("shot.webp", webp.getvalue())):
        assert gps_of(sent)
        message, _ = services.message_create(
            conversation=room, sender=user, image=SimpleUploadedFile(name, sent)
        )
        with message.attachment.open("rb") as stored:
            data = stored.read()
        message.delete()
        assert gps_of(data) == {}, name
        assert not any(secret in data for secret in SECRETS), name
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (40, 20)
            # Both were lossless: the pixels are the same.
            assert image.convert("RGB").tobytes() == red_then_blue().tobytes(), name


def test_an_image_without_metadata_is_stored_byte_for_byte(user, room, media):
    buffer = io.BytesIO()
    red_then_blue().save(buffer, "PNG")
    message, _ = services.message_create(
        conversation=room, sender=user, image=SimpleUploadedFile("plain.png", buffer.getvalue())
    )
    with message.attachment.open("rb") as stored:
        assert stored.read() == buffer.getvalue()


COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def animated_gif_with_comment_and_xmp() -> bytes:
    """Three frames (100, 200 and 300 ms, looping), a comment saying where it was made and an
    XMP application extension, as photo apps and converters leave them."""
    frames = [Image.new("P", (16, 16)) for _ in COLOURS]
    for frame, colour in zip(frames, COLOURS, strict=True):
        frame.putpalette([*colour, 255, 255, 255] + [0] * 762)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=b"GPS 48.85,2.35 home",
    )
    data = buffer.getvalue()
    xmp = b"<x:xmpmeta>secret-place</x:xmpmeta>"
    extension = b"\x21\xff\x0bXMP DataXMP" + bytes([len(xmp)]) + xmp + b"\x00"
    header = 13 + 3 * 2 ** ((data[10] & 7) + 1)  # after the global colour table
    return data[:header] + extension + data[header:]


def _rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple), pixel
    return pixel


def gif_frames(data: bytes) -> tuple[list[tuple[int, ...]], list[int], int | None]:
    colours: list[tuple[int, ...]] = []
    durations: list[int] = []
    with Image.open(io.BytesIO(data)) as image:
        loop = image.info.get("loop")
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            colours.append(_rgb(image, (8, 8)))
            durations.append(image.info["duration"])
    return colours, durations, loop


def test_a_gif_loses_its_comment_and_xmp_and_keeps_its_frames(user, room, media):
    sent = animated_gif_with_comment_and_xmp()
    assert b"48.85" in sent
    assert b"secret-place" in sent
    message, _ = services.message_create(
        conversation=room, sender=user, image=SimpleUploadedFile("loop.gif", sent)
    )
    with message.attachment.open("rb") as stored:
        data = stored.read()
    assert b"48.85" not in data
    assert b"secret-place" not in data
    assert b"XMP Data" not in data
    assert gif_frames(data) == (COLOURS, [100, 200, 300], 0)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("GIF", (16, 16))
    message.delete()

    # Chosen to keep: stored as sent.
    message, _ = services.message_create(
        conversation=room,
        sender=user,
        image=SimpleUploadedFile("loop.gif", sent),
        keep_metadata=True,
    )
    with message.attachment.open("rb") as stored:
        assert stored.read() == sent


def test_a_gif_without_metadata_is_stored_byte_for_byte(user, room, media):
    buffer = io.BytesIO()
    Image.new("P", (16, 16)).save(buffer, "GIF", save_all=True, loop=0, duration=50)
    message, _ = services.message_create(
        conversation=room, sender=user, image=SimpleUploadedFile("plain.gif", buffer.getvalue())
    )
    with message.attachment.open("rb") as stored:
        assert stored.read() == buffer.getvalue()
