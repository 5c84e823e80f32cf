"""The argparse types every command shares (assets/cli_types.py) and the VMC address parser
(capture/vmc/address.py) that the CLI, the studio and its settings file use alike."""
from __future__ import annotations

import argparse

import pytest

from assets.cli_types import (degrees, frame_size, frames_per_second, from_checker, seconds, seconds_or_zero,
                              video_size, whole_number, whole_number_at_least)
from assets.errors import VividError
from capture.vmc.address import parse_port, parse_target


@pytest.mark.parametrize("parse,good,bad", [
    (whole_number, {"1": 1, "12": 12}, ["0", "-3", "1.5", "x", ""]),
    (whole_number_at_least(0), {"0": 0, "7": 7}, ["-1", "a"]),
    (seconds, {"0.5": 0.5, "3": 3.0}, ["0", "-1", "nan", "inf", "-inf", "s"]),
    (seconds_or_zero, {"0": 0.0, "2.5": 2.5}, ["-0.1", "nan", "inf"]),
    (degrees, {"-30": -30.0, "400": 400.0}, ["nan", "inf", "left"]),
    (frames_per_second, {"1": 1.0, "29.97": 29.97, "240": 240.0}, ["0", "0.5", "241", "nan", "inf"]),
    (frame_size, {"1x1": (1, 1), "1280X720": (1280, 720)}, ["0x10", "10x0", "8193x10", "10", "axb", "1x2x3"]),
    (video_size, {"16x16": (16, 16), "1920x1080": (1920, 1080)}, ["15x16", "1281x720", "14x14", "8194x16"]),
])
def test_types_accept_the_valid_and_refuse_the_rest(parse, good, bad):
    for text, value in good.items():
        assert parse(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError) as error:
            parse(text)
        assert repr(text) in str(error.value), "the message quotes the bad value"


def test_vmc_addresses():
    assert parse_target("127.0.0.1:39539") == ("127.0.0.1", 39539)
    assert parse_target(" [::1]:39540 ") == ("[::1]", 39540)
    assert parse_port("39539") == 39539
    for text, message in (("localhost", "must be HOST:PORT"), (":39539", "must be HOST:PORT"),
                          ("host:0", "the port must be in 1-65535"), ("host:65536", "the port must be in 1-65535")):
        with pytest.raises(VividError, match=message):
            parse_target(text)
    for text in ("0", "65536", "-1", "port"):
        with pytest.raises(VividError, match="must be a number in 1-65535"):
            parse_port(text)
    as_type = from_checker(parse_target)
    with pytest.raises(argparse.ArgumentTypeError, match="must be HOST:PORT"):
        as_type("nohost")


@pytest.mark.parametrize("argv,message", [
    (["photo", "animate", "p.jpg", "-o", "a.mp4", "--fps", "nan"], "argument --fps: 'nan' must be 1-240 frames per second"),
    (["avatar", "info", "a.vrm", "--max-nodes", "-3"], "argument --max-nodes: '-3' must be a whole number >= 0"),
    (["avatar", "render", "a.vrm", "-o", "a.png", "--yaw", "inf"], "argument --yaw: 'inf' must be a number of degrees"),
    (["avatar", "render", "a.vrm", "-o", "a.png", "--time", "-1"], "argument --time: '-1' must be a number of seconds >= 0"),
    (["avatar", "drive", "a.vrm", "--input", "v.mp4", "-o", "o.mp4", "--size", "1281x720"],
     "argument --size: size '1281x720': width and height must be even and 16-8192"),
    (["say", "hi", "-o", "a.wav", "--fps", "0"], "argument --fps: '0' must be 1-240 frames per second"),
])
def test_commands_refuse_bad_numbers_before_any_work(capsys, argv, message):
    import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
