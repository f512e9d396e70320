"""The packaged gazetteer snapshot is exactly what the installed packages give (nothing typed by
hand, nothing stale). Rebuilding reads the packages' data: ~5 s, the price of that guarantee."""

from __future__ import annotations

from importlib import metadata

from subscriptions import gazetteer_build


def test_snapshot_names_the_installed_package_versions() -> None:
    head = gazetteer_build.snapshot_path().read_text(encoding="utf-8").splitlines()[1]
    for package in gazetteer_build.PACKAGES:
        assert f"{package} {metadata.version(package)}" in head, (
            f"{package} changed: run `python -m subscriptions.gazetteer_build`")


def test_snapshot_is_what_the_packages_give() -> None:
    packaged = gazetteer_build.snapshot_path().read_text(encoding="utf-8")
    rebuilt = gazetteer_build.render(gazetteer_build.build_rows())
    assert packaged == rebuilt, "stale gazetteer.tsv: run `python -m subscriptions.gazetteer_build`"


def test_fold_and_slug() -> None:
    assert gazetteer_build.fold("La Cañada-Flintridge") == "la canada flintridge"
    assert gazetteer_build.slug("St. Mary's") == "st-marys"
