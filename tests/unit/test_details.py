"""Reading details from free text (activities.details, activities.applicants; issue 17):
several details in one message, corrections of one, names that are names and sentences that
are not, and requests to be signed up in their short forms."""
from __future__ import annotations

import pytest

from activities.applicants import asks_to_sign_up, looks_like_form_input, person_name
from activities.details import Correction, Details, correction_in, details_in

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, expected", [
    ("我叫王芳 手机13800002222 家长代表 想报名第二场",
     Details(name="王芳", phone="13800002222", identity="群众代表（家长或企业代表）", position=2)),
    ("我叫王芳手机号13800002222我是家长代表报第二场",
     Details(name="王芳", phone="13800002222", identity="群众代表（家长或企业代表）", position=2)),
    ("姓名：买买提·艾力，电话 151 2345 6789", Details(name="买买提·艾力", phone="15123456789")),
    ("单位是大兴区人大常委会", Details(organisation="大兴区人大常委会")),
    ("我是记者 电话13900001111", Details(phone="13900001111", identity="媒体记者")),
    ("報名第三場 我叫趙莉", Details(name="趙莉", position=3)),  # a name as its owner writes it
    ("王芳", Details()),  # a bare value is the prompt's answer, read there
])
def test_several_details_are_read_from_one_message(text, expected) -> None:
    assert details_in(text) == expected


@pytest.mark.parametrize("text, filled, last, expected", [
    ("不对 名字写错了 是赵莉", {"name": "赵丽"}, "name", Correction("name", "赵莉")),
    ("不对 是赵莉", {"name": "赵丽"}, "name", Correction("name", "赵莉")),
    ("手机号改成13800002223", {"phone": "13800002222"}, None, Correction("phone", "13800002223")),
    ("手机号填错了 应该是13800002223", {}, None, Correction("phone", "13800002223")),
    ("身份选错了 我是记者", {}, None, Correction("identity", "媒体记者")),
    ("单位写错了", {}, None, Correction("organisation", None)),
    ("改姓名", {}, None, Correction("name", None)),
    ("换场次", {}, None, Correction("session", None)),
    ("不对 应该是第二场", {"session": "S9"}, None, Correction("session", 2)),
    ("名字寫錯了", {}, None, Correction("name", None)),
    ("编号打错了 是DX-7K3Q9M", {}, None, Correction("reference", "DX-7K3Q9M")),
])
def test_a_correction_names_its_field_and_new_value(text, filled, last, expected) -> None:
    assert correction_in(text, filled, last) == expected


@pytest.mark.parametrize("text", ["不对", "我不对劲", "13800002222", "王芳", "这个要钱吗", "名字和手机号都写错了"])
def test_no_correction_is_read_where_none_is_made(text) -> None:
    assert correction_in(text, {"name": "王芳", "phone": "13800002222"}, "name") is None


@pytest.mark.parametrize("text, name", [
    ("王芳", "王芳"), ("我叫 王小明", "王小明"), ("禤晓晴", "禤晓晴"), ("龚燚", "龚燚"), ("欧阳娜娜", "欧阳娜娜"),
    ("买买提·艾力", "买买提·艾力"), ("阿依古丽•吐尔逊", "阿依古丽·吐尔逊"), ("王 小明", "王小明"),
    ("John Smith", "John Smith"), ("那英", "那英"),
])
def test_names_with_rare_characters_and_middle_dots_are_names(text, name) -> None:
    assert person_name(text) == name


@pytest.mark.parametrize("text", ["这个要钱吗", "在哪里举行", "我是替我老伴报的", "没看明白", "好的", "报名",
                                  "12345", "不知道啊", "你们几点上班"])
def test_sentences_are_no_names(text) -> None:
    assert person_name(text) is None


@pytest.mark.parametrize("text", ["报名医保宣讲", "仲裁那个开放日我要报", "给我报上开放点7", "报第2个", "报那个",
                                  "我叫王芳 手机13800002222 家长代表 想报名第二场", "帮我报个名 政府采购宣讲",
                                  "医保那个我也要报", "我想报名开放日"])
def test_requests_to_be_signed_up_in_their_short_forms(text) -> None:
    assert asks_to_sign_up(text)


@pytest.mark.parametrize("text", ["报名要什么条件", "开放日怎么报名", "我要查报名", "取消报名", "报销比例是多少",
                                  "报名截止了吗", "报告在哪看", "医保宣讲讲什么", "我上回住院到底报了百分之多少",
                                  "报警电话"])
def test_questions_about_signing_up_and_other_reports_are_no_requests(text) -> None:
    assert not asks_to_sign_up(text)


@pytest.mark.parametrize("text, expected", [("13800002222", True), ("王芳", True), ("dx-7k3q9m", True),
                                             ("医保宣讲谁负责", False), ("你好啊", False)])
def test_form_input_typed_outside_a_form_is_recognised(text, expected) -> None:
    assert looks_like_form_input(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("我要报名政务开放日 赵敏 14700000014 人大代表 单位是大兴区人大常委会",
     Details(name="赵敏", phone="14700000014", identity="人大代表", organisation="大兴区人大常委会")),
    ("罗晓燕 14700000028", Details(name="罗晓燕", phone="14700000028")),
    ("我是记者 单位是北京青年报", Details(identity="媒体记者", organisation="北京青年报")),
])
def test_a_name_standing_alone_beside_other_details_and_organisations_ending_in_bao(text, expected) -> None:
    assert details_in(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("哎呀名字打错了 是张丽娟 美丽的丽", Correction("name", "张丽娟")),
    ("名字写错了 改成李秀英 英雄的英", Correction("name", "李秀英")),
    ("刚才身份点错了，我是政协委员不是人大代表", Correction("identity", "政协委员")),
    ("活动换一下吧 改成司法局那个开放日", Correction("session", None)),
])
def test_how_a_character_is_written_and_what_a_value_is_not_are_left_out(text, expected) -> None:
    assert correction_in(text, {"name": "x", "identity": "人大代表"}, None) == expected


@pytest.mark.parametrize("text", ["确认提交", "同意", "其他"])
def test_the_forms_own_buttons_are_no_names(text) -> None:
    assert person_name(text) is None


def test_a_phone_is_split_from_the_rest_of_a_reply() -> None:
    from activities.details import without_phone

    assert without_phone("北京青年报 电话147 0000 0021") == ("14700000021", "北京青年报")
    assert without_phone("王芳") == (None, "王芳")


@pytest.mark.parametrize("text, expected", [
    ("王丽 14600000020 北京兴旺达商贸有限公司", Details(name="王丽", phone="14600000020", organisation="北京兴旺达商贸有限公司")),
    ("帮忙报一下司法局的开放日：李强，区人大代表，14600000021，单位西红门镇卫生院",
     Details(name="李强", phone="14600000021", identity="人大代表", organisation="西红门镇卫生院")),
    ("我叫陳志明 電話13800001111 單位是北京青年報", Details(name="陳志明", phone="13800001111", organisation="北京青年報")),
])
def test_organisations_standing_alone_and_names_kept_as_typed(text, expected) -> None:
    assert details_in(text) == expected


def test_a_mix_up_of_activities_is_a_session_correction() -> None:
    assert correction_in("等下我搞混了，我想去的其实是司法局法律援助那个", {}, "name") == Correction("session", None)


@pytest.mark.parametrize("text, leaves", [("哎呀那天要接孙子，还是不去了", True), ("算了不参加了", True),
                                          ("如果去不了怎么办", False)])
def test_giving_up_the_activity_leaves_the_form_whatever_the_label(text, leaves) -> None:
    from activities.applicants import leaves_form

    assert leaves_form("cancel_application", text) is leaves


def test_a_plea_for_help_signing_up_is_a_request() -> None:
    assert asks_to_sign_up("帮忙报一下司法局的开放日：李强，区人大代表，14600000021")


def test_a_remark_beside_a_request_is_no_name() -> None:
    assert details_in("那挺好，就报这个吧") == Details()
    assert person_name("那挺好") is None


@pytest.mark.parametrize("text, is_request", [
    ("司法局开放日还能报吗", True), ("俺想去瞅瞅人家仲裁咋开庭的，能报不", True), ("我想去司法局参观参观", True),
    ("法律援助 社区矫正那些 去参观的 我想去", True), ("司法局的开放日我想去", True),
    ("医保讲座报名 张桂兰 14500000018", True), ("我叫周涛，北京日报社的记者，电话14500000022，报名司法局那个开放日", True),
    ("外地人能报名吗", False), ("我想去看看有啥活动吗", False), ("我想去医保局", False),
])
def test_wanting_to_go_and_asking_whether_one_can_are_requests(text, is_request) -> None:
    assert asks_to_sign_up(text) is is_request


@pytest.mark.parametrize("text, expected", [
    ("我叫李强啊手机号14500000019在顺达物流干活身份就写其他吧",
     Details(name="李强", phone="14500000019", identity="其他", organisation="顺达物流")),
    ("我叫周涛，北京日报社的记者，电话14500000022", Details(name="周涛", phone="14500000022", identity="媒体记者",
                                                       organisation="北京日报社")),
])
def test_spoken_run_on_details_and_an_organisation_before_a_role(text, expected) -> None:
    assert details_in(text) == expected


def test_where_one_works_is_the_organisation_without_the_verb() -> None:
    from activities.applicants import organisation_of, value_despite_label

    assert organisation_of("我是在大兴区第七中学上班") == "大兴区第七中学"
    assert organisation_of("我在兴丰街道当网格员") == "兴丰街道" and organisation_of("在兴华中学教书") == "兴华中学"
    assert value_despite_label("organisation", "北京振东五金商行") and value_despite_label("organisation", "大兴一中")
    assert not value_despite_label("organisation", "太热了")


@pytest.mark.parametrize("text, expected", [
    ("我想报名医保那个讲座 我叫欧阳明 手机14400000018 我是开饭馆的 店叫老欧家常菜馆",
     Details(name="欧阳明", phone="14400000018", identity="群众代表（家长或企业代表）", organisation="老欧家常菜馆")),
    ("刘芳 我是家长 在区人民医院当护士", Details(name="刘芳", identity="群众代表（家长或企业代表）", organisation="区人民医院")),
    ("我是京郊日报的记者诸葛晓东 想报名仲裁院的政务开放日", Details(name="诸葛晓东", identity="媒体记者", organisation="京郊日报")),
    ("14400000023 我是政协委员 在兴华中学教书", Details(phone="14400000023", identity="政协委员", organisation="兴华中学")),
])
def test_shops_roles_and_where_one_works_in_one_message(text, expected) -> None:
    assert details_in(text) == expected


def test_switching_activities_is_no_giving_up_and_a_question_is_none_either() -> None:
    from activities.applicants import leaves_form

    assert not leaves_form("inform", "等一下 我想换成医保那个讲座 仲裁那天我要考试去不了")
    assert not leaves_form("inform", "这个讲座网上有直播吗 万一那天我去不了在手机上能看不")


# Kinds found by the sixth blind diagnosis set (tests/dev/signup_debug6_dialogues.yml).

@pytest.mark.parametrize("text", ["我报开放点9", "俺报仲裁那个", "那我想去 司法那个咋报", "我想参加医保讲座 怎么报名啊",
                                  "喂你好我想给自己报个名就是那个医保的宣讲我叫韩春生手机号14200000088"])
def test_short_starts_with_i_for_myself_and_wanting_to_go_asking_how(text) -> None:
    assert asks_to_sign_up(text)


@pytest.mark.parametrize("text", ["我报销怎么弄", "开放日怎么报名", "我报了名怎么查", "外地人想去开放日怎么报"])
def test_reports_rules_and_who_may_take_part_are_still_no_requests(text) -> None:
    assert not asks_to_sign_up(text)


@pytest.mark.parametrize("text, name", [("我姓司马 名长风", "司马长风"), ("姓王名芳", "王芳"), ("我姓欧阳，名字叫淼淼", "欧阳淼淼")])
def test_surname_then_given_name_is_one_name(text, name) -> None:
    assert person_name(text) == name


def test_no_organisation_in_traditional_characters() -> None:
    from activities.applicants import NO_ORGANISATION, organisation_of, says_no_organisation

    assert organisation_of("無") == organisation_of("沒有單位") == NO_ORGANISATION
    assert says_no_organisation("單位寫無吧") and organisation_of("京郊日報") == "京郊日報"


@pytest.mark.parametrize("text, name", [("我是陈燚 想报医保那个宣讲", "陈燚"), ("你好 我是李明 14200000001", "李明"),
                                        ("我是家长", None), ("我是本地人 想报名", None), ("我是退休工人", None),
                                        ("我是他妈妈 想报名", None)])
def test_a_name_after_i_am_but_never_who_one_is(text, name) -> None:
    assert details_in(text).name == name


@pytest.mark.parametrize("text, wanted", [
    ("帮我查一下报名情况 手机14200000072 编号DX-XPVBM6", "check"),
    ("查报名 14200000075", "check"),
    ("取消报名 手机号14200000074 报名编号DX-MV52U5", "cancel"),
    ("那天报社有别的采访任务 取消报名 14200000075 DX-XNK9WP", "cancel"),
    ("怎么取消报名", None),  # a question: nothing to find an application with
    ("我叫王芳 14200000001 想报名", None),
])
def test_checking_or_cancelling_with_the_details_in_the_same_message(text, wanted) -> None:
    from activities.applicants import application_request_in

    assert application_request_in(text) == wanted
