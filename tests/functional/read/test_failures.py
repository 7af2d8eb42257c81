"""When the store itself fails, a read still answers JSON that a dashboard on any origin can see."""


def test_a_broken_store_is_a_json_500_with_cors(make_app, db_path):
    app = make_app(**{"backdrop.roles": "read"})
    store = app.app.registry["backdrop.store"]
    store.close()
    db_path.write_bytes(b"this is not a SQLite database" * 100)

    response = app.get("/visits", status=500)

    assert response.json == {"status": "error", "message": "internal error"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Traceback" not in response.text
