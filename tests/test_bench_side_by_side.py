"""bench/side_by_side.py (issue 16): its options, its targets and how it reads wrk's output.
No timings here: the script is run by hand."""

from __future__ import annotations

import pytest

from bench import side_by_side

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40000/learn/3
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    60.70ms   10.00ms 120.00ms   90.00%
  Latency Distribution
     50%   60.70ms
     75%   65.00ms
     90%   70.00ms
     99%    1.30s
  645 requests in 5.00s, 10.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    129.02
Transfer/sec:      2.00MB
"""


def test_defaults_are_the_issues_settings():
    args = side_by_side.parse_args([])
    assert (args.seconds, args.connections, args.postgres, args.rounds) == (10, [8, 32], None, 1)
    assert side_by_side.parse_args(["--connections", "8"]).connections == [8]
    assert side_by_side.parse_args(["--rounds", "3"]).rounds == 3


def test_bad_options_are_refused():
    with pytest.raises(SystemExit):
        side_by_side.parse_args(["--connections", "0"])
    with pytest.raises(SystemExit):
        side_by_side.parse_args(["--rounds", "0"])


def test_the_targets_are_the_issues_table():
    # The issue's eight, and the instructor's progress grid its staff budget names.
    assert len(side_by_side.TARGETS) == len(set(side_by_side.TARGETS)) == 9
    assert "quiz answer save (POST)" in side_by_side.TARGETS
    assert "instructor progress grid" in side_by_side.TARGETS


def test_postgres_runs_after_sqlite_unless_asked_not_to():
    args = side_by_side.parse_args(["--postgres", "postgresql://x@127.0.0.1/test"])
    assert args.postgres and not args.skip_sqlite
    assert side_by_side.parse_args(
        ["--postgres", "postgresql://x@h/t", "--skip-sqlite"]
    ).skip_sqlite


def test_wrk_output_is_read():
    result = side_by_side.parse_wrk(WRK_OUTPUT)
    assert result == {"rps": 129.02, "p50": 60.7, "p99": 1300.0, "non2xx": 4, "socket": 3}


def test_the_save_form_posts_answers_not_flags():
    form = (
        '<input type="hidden" name="csrf_token" value="t&amp;1">'
        '<input type="radio" name="q_1" value="a"><input type="radio" name="q_1" value="b">'
        '<input type="checkbox" name="flag_1" value="y"><textarea name="q_2">'
    )
    assert side_by_side.form_fields(form) == [("csrf_token", "t&1"), ("q_1", "a"), ("q_2", "bench")]
