import pytest

from crawler.registry.sites import SitesError, parse_sites, select_sites

GOOD = """
[[site]]
id = "jiujiang-news"
name = "九江新闻网"
region = "江西省九江市"
start_urls = ["https://www.jjxw.cn/"]
schedule = "every 6h"
"""


def test_a_good_registry_loads():
    site = parse_sites(GOOD)[0]
    assert site.id == "jiujiang-news" and site.schedule == "every 6h"
    assert site.allowed_domains == ("jjxw.cn",)
    assert site.owns("https://news.jjxw.cn/a/1.html")
    assert not site.owns("https://www.jjxw.cn.evil.example/")
    assert not site.owns("file:///etc/passwd")


@pytest.mark.parametrize(
    "text,expected",
    [
        (GOOD.replace('"jiujiang-news"', '"Jiujiang News"'), "site #1 'Jiujiang News': key 'id'"),
        (GOOD + "colour = 1\n", "key 'colour': unknown key"),
        (GOOD.replace('"every 6h"', '"hourly"'), "key 'schedule'"),
        (GOOD + GOOD, "site #2 'jiujiang-news': key 'id': duplicate id"),
        (GOOD.replace('["https://www.jjxw.cn/"]', '["ftp://www.jjxw.cn/"]'), "key 'start_urls'"),
        (GOOD.replace('name = "九江新闻网"', "name = 3"), "key 'name'"),
        (GOOD + 'max_requests = "many"\n', "key 'max_requests': expected an integer"),
        (GOOD + "max_depth = true\n", "key 'max_depth': expected an integer, got a boolean"),
        (
            GOOD + 'article_patterns = ["(unclosed"]\n',
            "key 'article_patterns': invalid regular expression",
        ),
        (GOOD.replace('region = "江西省九江市"\n', ""), "key 'region': missing"),
        ("[[site]\n", "not valid TOML"),
        ("", "no [[site]] tables"),
    ],
)
def test_errors_name_the_file_the_site_and_the_key(text, expected):
    with pytest.raises(SitesError) as error:
        parse_sites(text, "my-sites.toml")
    message = str(error.value)
    assert message.startswith("my-sites.toml: ")
    assert expected in message


def test_unknown_site_id_is_an_error():
    sites = parse_sites(GOOD)
    with pytest.raises(SitesError, match="unknown site id 'nope'"):
        select_sites(sites, ["nope"])


def test_shipped_registry_is_valid():
    from pathlib import Path

    from crawler.registry.sites import load_sites

    sites = load_sites(Path(__file__).parent.parent / "sites.toml")
    assert {"jjxw", "czxww", "jstz", "tz-rednet", "srxww"} <= {site.id for site in sites}


def test_every_mistake_is_reported_in_one_run_with_the_key_meant(tmp_path):
    """A registry with four mistakes in two sites and the defaults: one run of the real CLI names
    all four; a misspelt key is named with the key it stands for, not as the real key missing."""
    from conftest import run_crawler

    registry = tmp_path / "sites.toml"
    registry.write_text(
        GOOD.replace("start_urls", "start_url")
        + '\n[defaults]\nschedul = "every 6h"\n'
        + GOOD.replace('"jiujiang-news"', '"second"').replace("every 6h", "hourly")
        + 'max_depth = "2"\n',
        encoding="utf-8",
    )
    result = run_crawler("crawl", "--sites", str(registry), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    lines = result.stderr.replace(str(registry), "sites.toml").strip().splitlines()
    assert lines[0] == "error: sites.toml: 4 mistakes:"
    assert lines[1:] == [
        "sites.toml: [defaults]: key 'schedul': unknown key (did you mean 'schedule'?)",
        "sites.toml: site #1 'jiujiang-news': key 'start_url': unknown key (did you mean 'start_urls'?)",
        lines[3],
        "sites.toml: site #2 'second': key 'max_depth': expected an integer, got str",
    ]
    assert lines[3].startswith("sites.toml: site #2 'second': key 'schedule':")
    assert "missing" not in result.stderr
    assert not (tmp_path / "a.db").exists(), "nothing is crawled or written"
