"""How the SQLite store splits a batch's rows into INSERT statements."""
import pytest

from backdrop.store.sqlite_rows import INSERT_PARAMETERS, INSERT_ROWS, most_rows, statement_sizes


@pytest.mark.parametrize("count", [0, 1, 2, 31, 63, 64, 65, 127, 1000, 100_000])
@pytest.mark.parametrize("most", [1, 2, 16, 64])
def test_statements_cover_every_row_in_few_sizes(count, most):
    sizes = statement_sizes(count, most)
    assert sum(sizes) == count
    assert sizes[:count // most] == [most] * (count // most)
    rest = sizes[count // most:]
    assert rest == sorted(set(rest), reverse=True)  # each smaller power of two at most once
    assert all(size & (size - 1) == 0 and size < most for size in rest)


def test_rows_a_statement_stay_within_the_parameter_limits():
    assert most_rows(16, 250_000) == INSERT_ROWS  # the benchmark's rows: 64 of 16 values
    assert most_rows(17, 250_000) == 32
    assert most_rows(1_911, 32_766) == 1  # 1,900 keys: one row a statement
    assert most_rows(11, 200) == 16  # a build allowing only 200 bound values
    for width in range(1, 2_000):
        most = most_rows(width, 32_766)
        assert most == 1 or most * width <= min(INSERT_PARAMETERS, 32_766)
