"""ECharts is installed only as the pinned release: a tarball or a file that does not match is refused."""
import hashlib
import io
import tarfile

import pytest

from assess import vendor


def _tarball(js: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("package/dist/echarts.min.js", js), ("package/LICENSE", b"L"), ("package/NOTICE", b"N")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def served(monkeypatch, tmp_path):
    """serve(bytes): what the registry answers; the files go to tmp_path."""
    monkeypatch.setattr(vendor, "VENDOR", tmp_path)
    monkeypatch.setattr(vendor, "ECHARTS", tmp_path / "echarts.min.js")
    monkeypatch.setattr(vendor, "_MEMBERS", {"package/dist/echarts.min.js": tmp_path / "echarts.min.js",
                                             "package/LICENSE": tmp_path / "echarts.LICENSE",
                                             "package/NOTICE": tmp_path / "echarts.NOTICE"})

    def serve(data: bytes):
        monkeypatch.setattr(vendor.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(data))
    return serve


def test_a_tarball_that_is_not_the_pinned_release_installs_nothing(served, tmp_path):
    served(_tarball(b"/* not echarts */"))
    with pytest.raises(SystemExit, match="integrity"):
        vendor.fetch()
    assert list(tmp_path.iterdir()) == []


def test_a_matching_tarball_with_another_file_installs_nothing(served, tmp_path, monkeypatch):
    data = _tarball(b"/* not echarts */")
    import base64
    monkeypatch.setattr(vendor, "INTEGRITY", "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode())
    served(data)
    with pytest.raises(SystemExit, match="sha256"):
        vendor.fetch()
    assert list(tmp_path.iterdir()) == []


def test_the_installed_charts_are_the_pinned_release():
    if not vendor.ECHARTS.exists():
        pytest.skip("ECharts is not installed here (make venv installs it)")
    assert vendor.installed()
