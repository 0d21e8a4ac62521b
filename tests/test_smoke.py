from conftest import msgfmt_check


def test_sample_project_catalogs_pass_msgfmt(sample_project):
    catalogs = sorted(sample_project.translations_dir.rglob("*.po"))
    assert len(catalogs) == 9
    for path in catalogs:
        msgfmt_check(path)
