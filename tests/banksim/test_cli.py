"""`yikatong bank-sim` on the command line: its options, token files and refusals (no service needed)."""

from __future__ import annotations

import json

import pytest

from backend.banksim.cli import tokens_from_file
from backend.cli import build_parser, main


def test_tokens_come_from_a_file_in_any_of_its_shapes(tmp_path):
    for data in ({"ICBC": "ykc_a", "CCB": "ykc_b"}, ["ykc_a", "ykc_b"], [{"bank": "ICBC", "token": "ykc_a"}, {"token": "ykc_b"}]):
        path = tmp_path / "tokens.json"
        path.write_text(json.dumps(data))
        assert tokens_from_file(str(path)) == ["ykc_a", "ykc_b"]


def test_without_a_token_it_says_what_is_missing(tmp_path, capsys):
    assert main(["bank-sim", "--books", str(tmp_path / "books.sqlite")]) == 2
    assert "--token" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option", [["--return-rate", "1.5"], ["--duplicate-rate", "-0.1"], ["--report-day", "2026-13-01"], ["--concurrency", "0"]]
)
def test_out_of_range_options_are_refused(tmp_path, option, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["bank-sim", "--token", "ykc_x", "--books", str(tmp_path / "b.sqlite"), *option])
    assert exit_.value.code == 2
    assert option[0] in capsys.readouterr().err


def test_the_options_reach_the_simulator(tmp_path):
    args = build_parser().parse_args(
        [
            "bank-sim",
            "--token",
            "ykc_x",
            "--books",
            "b.sqlite",
            "--return-rate",
            "0.25",
            "--return-accounts",
            "1,2",
            "--accept-first",
            "--once",
        ]
    )
    assert (args.return_rate, args.return_accounts, args.accept_first, args.once, args.poll_seconds) == (
        0.25,
        "1,2",
        True,
        True,
        1.0,
    )
