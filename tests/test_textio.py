"""Reading untrusted input: regular files only, bounded reads, one decoding, JSON Python can hold."""

import io
import os

import pytest

from summarize.textio import (
    InputError,
    InputTooLarge,
    UnreadableInput,
    decode_bytes,
    display_name,
    parse_json,
    read_file_bytes,
    read_stream_bytes,
)

TEXT = "The café owner’s plan was approved on Tuesday by the council. Critics said it was rushed."


def test_a_regular_file_is_read_whole(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 5000)
    assert read_file_bytes(path, 5000) == b"x" * 5000
    with pytest.raises(InputTooLarge, match=r"a.txt: 4.9 KiB is over the limit of 4 KiB"):
        read_file_bytes(path, 4096)


def test_a_fifo_is_refused_at_once_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableInput, match=r"pipe.txt: is a named pipe \(FIFO\), not a regular file"):
        read_file_bytes(fifo, 1 << 20)


def test_devices_symlink_loops_and_dangling_symlinks_are_named(tmp_path):
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(UnreadableInput, match="is a character device, not a regular file"):
        read_file_bytes(tmp_path / "zero.txt", 1 << 20)
    with pytest.raises(UnreadableInput, match="a: symlink loop"):
        read_file_bytes(tmp_path / "a", 1 << 20)
    with pytest.raises(UnreadableInput, match="gone.txt: dangling symlink"):
        read_file_bytes(tmp_path / "gone.txt", 1 << 20)
    with pytest.raises(UnreadableInput, match="is a folder"):
        read_file_bytes(tmp_path, 1 << 20)


def test_an_endless_stream_costs_the_limit_and_no_more():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    with pytest.raises(InputTooLarge, match="<stdin>: more than the limit of 1 MiB"):
        read_stream_bytes(io.BufferedReader(Endless()), 1 << 20)
    assert read_stream_bytes(io.BytesIO(b"abc"), 3) == b"abc"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"])
def test_text_is_decoded_with_or_without_a_byte_order_mark(encoding):
    text = TEXT if encoding != "cp1252" else TEXT.replace("’", "'")
    assert decode_bytes(text.encode(encoding), "x") == text


def test_binary_data_is_refused_and_latin1_always_decodes():
    for data in (b"\x00\x01\x02binary", bytes(range(256)) * 8, b"PK\x03\x04" + b"\x00" * 64):
        with pytest.raises(InputError, match="looks like a binary file"):
            decode_bytes(data, "x")
    assert decode_bytes(b"caf\xe9 \x81", "x") == "café \x81"  # not cp1252 (0x81 is undefined there): latin-1


def test_json_that_python_cannot_hold_is_one_input_error():
    assert parse_json('{"a": [1, 2]}', "f:1") == {"a": [1, 2]}
    with pytest.raises(InputError, match=r"^f:1: invalid JSON \(nested too deeply to read\)$"):
        parse_json("[" * 100_000 + "]" * 100_000, "f:1")
    with pytest.raises(InputError, match=r"^f:2: invalid JSON \(a number of more than 4300 digits\)$"):
        parse_json('{"n": ' + "9" * 5000 + "}", "f:2")
    with pytest.raises(InputError, match=r"^f:3: invalid JSON \(Expecting value at line 1 column 1\)$"):
        parse_json("nope", "f:3")


def test_names_that_do_not_print_on_one_line_are_quoted():
    assert display_name("seeds/a.txt") == "seeds/a.txt"
    assert display_name("new\nline.txt") == "'new\\nline.txt'"
    assert display_name(" lead.txt") == "' lead.txt'"
    assert display_name("bad\udcffname") == "'bad\\udcffname'"
