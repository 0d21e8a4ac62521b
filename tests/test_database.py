import multiprocessing

from chorus import database


def _open_and_create(path: str) -> None:
    with database.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('hello')")


def test_many_processes_can_open_a_new_database_at_once(tmp_path):
    context = multiprocessing.get_context("fork")
    for round in range(15):
        path = str(tmp_path / f"round-{round}.sqlite")
        workers = [context.Process(target=_open_and_create, args=(path,)) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [worker.exitcode for worker in workers] == [0] * 8
        with database.connect(path) as db:
            assert db.execute("SELECT count(*) FROM notes").fetchone() == (8,)
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
