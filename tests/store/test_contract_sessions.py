"""Store contract: admin session generations (sign-out ends sessions), on every backend."""


def test_a_generation_starts_at_zero_and_each_end_bumps_it(store):
    assert store.session_generation("ada@example.com") == 0
    assert store.end_sessions("ada@example.com") == 1
    assert store.end_sessions("ada@example.com") == 2
    assert store.session_generation("ada@example.com") == 2
    assert store.session_generation("bob@example.com") == 0


def test_generations_outlive_the_user_record(store):
    store.save_user("ada@example.com", ["visits"])
    store.end_sessions("ada@example.com")
    store.save_user("ada@example.com", ["sales"])
    assert store.session_generation("ada@example.com") == 1
    store.delete_user("ada@example.com")
    assert store.session_generation("ada@example.com") == 1
    assert store.list_users() == []


def test_generations_are_per_exact_email(store):
    store.end_sessions("\u212aelvin@example.com")
    assert store.session_generation("kelvin@example.com") == 0
