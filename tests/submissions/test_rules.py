"""Pure content checks: CITY-3 duplicates across dimensions, web-service claims."""

from serviceeval.submissions.rules import (
    bullet_items,
    duplicates_across_dimensions,
    web_claim,
)


def test_bullet_items_drop_markers_and_whitespace():
    text = "1. 推動 一處收件\n(2) 縮短等候時間至七分鐘\n- 設置\n  ・ 建置線上預約系統\n一、 強化志工服務人力"
    # "推動一處收件" and "設置" are shorter than 8 characters: headings repeat on purpose.
    assert bullet_items(text) == ["縮短等候時間至七分鐘", "建置線上預約系統", "強化志工服務人力"]


def test_short_items_are_not_compared():
    assert bullet_items("- 設置服務台\n- 推動一處收件全程服務") == ["推動一處收件全程服務"]


def test_same_text_in_two_dimensions_is_found_city3():
    found = duplicates_across_dimensions(
        {
            "1.1.1.1": "- 推動一處收件全程服務\n- 其他不同的項目內容",
            "2.1.1.1": "* 推動一處收件 全程服務",
        }
    )
    assert [(d.text, d.codes) for d in found] == [("推動一處收件全程服務", ("1.1.1.1", "2.1.1.1"))]


def test_same_text_within_one_dimension_is_not_a_duplicate_city3():
    assert (
        duplicates_across_dimensions(
            {
                "1.1.1.1": "- 推動一處收件全程服務",
                "1.2.1.1": "- 推動一處收件全程服務",
            }
        )
        == []
    )


def test_web_claim_heuristic_city3():
    assert web_claim("本局網站每週更新")
    assert web_claim("提供線上申辦")
    assert web_claim("詳見 https://www.example.gov.tw")
    assert web_claim("Our website")
    assert not web_claim("臨櫃服務滿意度九成")
