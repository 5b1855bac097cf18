import json

from pipeline.rundir import RunDir, key_of


def _make(rd, text):
    tmp = rd.scratch()
    (tmp / "a.txt").write_text(text)
    return {"a.txt": tmp / "a.txt"}


def test_commit_then_reuse_only_with_the_same_key(tmp_path):
    rd = RunDir(tmp_path)
    k1, k2 = key_of("s", {"x": 1}), key_of("s", {"x": 2})
    assert k1 != k2 and key_of("s", {"x": 1}) == k1
    assert rd.cached("s", k1) is None
    rd.commit("s", k1, _make(rd, "one"), {"n": 1})
    assert rd.cached("s", k1) == {"n": 1}
    assert rd.cached("s", k2) is None
    assert (tmp_path / "a.txt").read_text() == "one"


def test_edited_or_missing_artifact_is_not_reused(tmp_path):
    rd = RunDir(tmp_path)
    k = key_of("s", {})
    rd.commit("s", k, _make(rd, "one"), {})
    (tmp_path / "a.txt").write_text("tampered")
    assert rd.cached("s", k) is None
    rd.commit("s", k, _make(rd, "one"), {})
    (tmp_path / "a.txt").unlink()
    assert rd.cached("s", k) is None


def test_upstream_key_changes_the_downstream_key():
    assert key_of("b", {}, "up1") != key_of("b", {}, "up2")


def test_a_kernel_change_redoes_only_the_firmware_stages(tmp_path, monkeypatch):
    import pipeline.paths
    from pipeline import rundir
    kernel = tmp_path / "targets" / "conv.c"
    kernel.parent.mkdir()
    monkeypatch.setattr(pipeline.paths, "data_dir", lambda name: tmp_path / name)

    def keys():
        rundir.code_hash.cache_clear()
        return key_of("teacher", {}), key_of("firmware", {}, firmware=True)

    try:
        kernel.write_text("int a;")
        before = keys()
        kernel.write_text("int b;")
        after = keys()
    finally:
        rundir.code_hash.cache_clear()
    assert before[0] == after[0]          # training stages keep their cache
    assert before[1] != after[1]          # firmware is rebuilt from the changed kernel


def test_directory_outputs_replace_the_old_directory(tmp_path):
    rd = RunDir(tmp_path)
    for text in ("v1", "v2"):
        tmp = rd.scratch() / "pkg"
        tmp.mkdir()
        (tmp / "f").write_text(text)
        rd.commit("p", key_of("p", text), {"pkg": tmp}, {})
    assert (tmp_path / "pkg" / "f").read_text() == "v2"
    assert rd.cached("p", key_of("p", "v2")) == {}


def test_leftover_temp_files_are_cleared_and_manifest_is_json(tmp_path):
    rd = RunDir(tmp_path)
    (rd.scratch() / "half-written").write_text("x")
    rd2 = RunDir(tmp_path)        # a new run after a kill
    assert not any((tmp_path / ".tmp").iterdir())
    rd2.commit("s", "k", _make(rd2, "z"), {"a": 1})
    m = json.loads((tmp_path / ".stages" / "s.json").read_text())
    assert m["key"] == "k" and set(m["outputs"]) == {"a.txt"}
