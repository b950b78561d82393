"""Kinds found by the eighteenth to twenty-third diagnosis sets (issue 13, dialogues): a
citizen's own case told in the middle of a conversation about a record, details of being
there the plans never give, open questions about what one does there, follow-ups that
name one of the records just discussed, and records named by words copied from them.
Each kind with its example and a second phrasing, grouped by what the answer must be.
The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.deciding import CARRIED_DETAIL, COMPLAINT
from tests.unit.answering import HOTLINE, ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("turns", [
    # stuck for months, a neighbour who will not agree, treated badly, a service that fails
    ["京策平台是干啥的", "我公司申请的补贴在京策上卡了仨月没动静"],
    ["稳岗就业信息谁公开", "俺厂里申请的稳岗返还压了俩月没下文"],
    ["老楼加装电梯谁负责", "俺们那栋六层 一楼那家死活不同意 咋整"],
    ["楼上邻居就是不同意装电梯 咋办"],
    ["俺想去政务大厅瞅瞅", "我前年在那办事让窗口的人给凶了一顿 这事有人管没"],
    ["办事员把我凶了一顿 有人管不"],
    ["上回那个直播卡得根本看不了 到底谁负责"],
    ["我家孩子暑期托管没报上 该找谁"],
    ["俺闺女的学位没分到 找谁去"],
    # the twenty-first diagnosis set: own trouble told with a judgement, in between
    ["还有就是我们厂里不给上社保说签了个什么自愿放弃的东西这合法吗"],
    ["俺们单位不给缴医保 这违法不"],
    # the twenty-fourth set and earlier ones: a service not done for a long time
    ["这是第几条 啥时候完成", "我们村公示栏半年都没换过内容了"],
    ["俺们村那公示栏好几个月都不换 也没人管"],
    ["北臧村镇的开放日介绍啥内容", "我們村的服務站一個月有半個月鎖著門"],
    # money of one's own not paid, in a farmer's words the plans have a term for (涉农补贴)
    ["我们村今年的种粮补贴到现在还没发 咋回事"],
    ["涉农补贴的信息谁公开", "俺家的地补一直没到账"],
    ["暑期托管谁公开", "我们俩都上班 今年暑假托管名额一放出来就没了 根本抢不到 太难了"],
    ["我约了某局局长采访约了仨月都没约上 这一把手解读是不是只是说说"],
    ["区政府网站手机上打开老是排版错乱 字都叠一块儿了"],
    ["区政府网站打开全是乱码"],
    # the twenty-second diagnosis set: calls nobody answers, a fine of one's own
    ["我打市场监管局电话打了三天都没人接"],
    ["昨儿城管罚了我二百块"],
    ["交通队扣了俺两百 凭啥"],
    # the twenty-third: stuck in review, taken and not returned, a target called a sham
    ["我们公司在京策上申请的补贴卡在审核俩月了"],
    ["上回城管把我摆外面的货收走了到现在没还"],
    ["押金交了半年至今没退"],
    ["说实话我打区里好几个部门电话都没人接 这指标就是摆设"],
    ["村里那个公示栏要贴啥", "我们村的补贴发没发 发给谁了 公示栏上啥都没贴"],
])
def test_a_citizens_own_trouble_goes_to_12345_even_after_a_record(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and answer.reason == COMPLAINT
    assert HOTLINE in answer.text


@pytest.mark.parametrize("turns", [
    # one's own case, ticket or inspection; a favour done for oneself
    ["仲裁的开放日能去旁听不", "我们那个仲裁案子到底啥时候开庭啊"],
    ["接诉即办谁公开", "俺那个工单到现在办到哪了"],
    ["食品抽检谁公开", "我店上个月刚被抽检了 结果合不合格上哪查"],
    ["俺家饭馆前天被抽查了 啥时候出结果"],
    ["稳岗就业信息谁公开", "那窗口能帮我把企业稳岗补贴报上去不"],
    ["你帮我把低保申请递上去呗"],
    ["我妈一个月退休金1800 够不够低保条件"],
    ["俺跟老板那个仲裁啥时候开庭"],
    # a favour, data or photos handed over, a relative to be placed or seen, counts of the past
    ["仲裁的开放日", "能不能现场帮俺写仲裁申请书"],
    ["我写毕业论文 能拿到大兴五经普的原始数据吗"],
    ["直播的事", "现场照片原图能给我们报道用吗"],
    ["养老驿站的开放日", "俺家老头子瘫床上了 能送进那个驿站不"],
    ["安全管理的开放日", "长峰医院那个事故最后追责了几个人"],
    ["区长本人出面解读过几次 有视频吗"],
    ["当时各场直播的观看量一共多少"],
    ["京策有客服电话没"],
    ["商务局发不发消费券"],
    ["计量的开放日", "能進實驗室自己動手做實驗嗎 我是學測控的"],
    ["北臧村镇的开放日", "北臧村镇的服务站能给办老年卡不"],
    # whether the citizen counts as someone, or their compound qualifies; one's own order
    ["俺送外卖的算群众代表不"],
    ["我算不算企业代表"],
    ["老楼加装电梯谁负责", "那俺们小区能装不 清源街道那块的"],
    ["我们村能改不"],
    ["那我那单的处理结果在哪个网页能查"],
    ["我那个劳动仲裁啥时候出结果"],
    # being fetched, a helmet, a guide: what the entry never writes
    ["政务大厅开放日", "俺住黄村 离榆垡老远了 有车接不"],
    ["养老驿站开放日", "俺老伴腿脚不利索 能派车到家接俺们不"],
    ["回迁房工地的开放日", "工地上有人帶著走嗎 要戴安全帽不"],
    ["回迁房工地的开放日", "进工地有人领着参观吗"],
    # how often something was done, in a year no plan is held for
    ["去年全区一把手一共解读了几次 有数吗"],
    ["前年各单位一共开展了多少次座谈"],
    # a favour, a visit to one's own place, a document handed over, examples sent
    ["计量的开放日", "試驗室能不能借儀器給我們做課題"],
    ["能不能借你们的会议室给我们用用"],
    ["一把手解读", "啥时候来我们写字楼宣讲一回"],
    ["能到俺们村里宣讲一回不"],
    ["我写论文要用 能要到各单位的考核打分表吗"],
    ["能拿到开放日的签到名单吗"],
    ["能給我發幾個做得好的一圖讀懂嗎"],
    ["给我发几份解读模板呗"],
    # how long a notice stays up; who, by name; who drafted the plans
    ["公示栏上的东西贴多少天 能不能多贴几天"],
    ["政府采购开放日", "国资委哪位领导出席 能给个名单吗"],
    ["部门预算的开放日", "哪位专家来点评"],
    ["这两个文件的起草人是谁"],
    # what came of it, however long the name
    ["大兴最后评上国家乡村振兴示范县没有"],
    ["咱区最后被评为国家森林城市了没"],
    ["我公司注册在北臧村 营业执照变更能在村里的服务站办吗"],
    ["社保卡能在村委会办吗"],
    ["政府采购宣讲", "宣讲里说的线上融资 利率多少"],
    ["入统宣讲", "我就开个小饭馆 三个员工 我也得入统吗 不入统罚不罚"],
    ["我在做毕业论文 能不能帮我约一下人保局的人做个访谈"],
    ["能不能帮我联系一下统计局的人"],
    ["回迁房开放日", "俺在工地上夜班 白天才有空 能安排白天不"],
    ["我一个人过 一个月就一千多退休金 能吃低保吗"],
    ["昌平那边养老补贴是不是比大兴高"],
    ["通州那边低保标准是不是高些"],
    # the twentieth diagnosis set: a thing the record is asked to cover and does not write
    ["医保宣讲讲啥", "讲不讲长期护理险"],
    ["人社普法宣讲讲不讲工伤认定"],
    # taxes, signing up by phone, paying in arrears, how far it got
    ["五经普那个宣讲是谁搞的", "入统了是不是得多交税啊"],
    ["怎么报名开放日", "那俺能打电话报名不"],
    ["俺在大兴干了三年一直没交社保 现在能补不"],
    ["咨询电话谁负责", "那现在实际接听率到多少了"],
    # the twenty-fourth set: next year's time, asked with another facet (直播) named
    ["直播的话提前多久发公告", "明年的直播啥时候"],
    ["线下活动多少人参加", "明年的线下活动几月份"],
    # which members a term the plan names has, when it lists none; who was in the end
    ["政务公开标准化试点是咋回事", "样板单位都有哪些"],
    ["开放日的人是咋挑的 是不是都内定好了", "样板单位都有哪些"],  # another record's term
    ["开小饭馆的 门头招牌这块有啥政策宣讲没", "试点片区都是哪些地方"],
    ["一把手解读是哪条", "2023年具体哪些局长做了一把手解读 有名单吗"],
    ["化妆品抽检结果谁公布", "最近哪家饭馆抽检不合格了"],
    # where the place an entry names is (its address), and how to get there
    ["这个局在开放日里搞啥 市场监管局", "计量试验室在哪 咋过去"],
    ["我想去政务服务大厅参观参观 哪几个地方能去", "兴丰街道那个大厅在哪儿"],
    # whether the citizen, as who they are, may take part: the plans set no such condition
    ["政民互动活动是线上搞还是线下搞", "我是北京印刷学院的大学生 能报名当群众代表不"],
    ["我想带孩子参加开放日 咋报名", "孩子才8岁能进去不"],
    ["我住昌平在大兴上班 大兴的开放日俺能去不"],
    ["政府采购开放日谁家办的", "他那公司就三个人能去不"],
    ["开放日都有哪些", "我是台湾同胞在大兴开公司 能参加开放日吗"],
    # a term quoted again in the next clause is not described by it (“员额”教师 after “员额制”)
    ["教育改革的开放日谁搞", "里面说的员额制是啥意思 俺没听懂"],
    # where a term's places are, when the item names none; another district named by "那边"
    ["四区三基地谁负责", "四区三基地都在哪个镇"],
    ["两区谁负责", "两区全在哪几个街道"],
    ["户外广告宣讲讲啥", "朝阳那边的户外广告规定跟咱这儿一样不"],
    ["医保宣讲谁负责", "海淀那边也有这个宣讲吗"],
    ["第4讲在哪讲"],  # its entry names no place
])
def test_what_the_plans_never_give_is_refused_even_after_a_record(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and HOTLINE in answer.text


@pytest.mark.parametrize(("turns", "said"), [
    # an open question about being there is about the entry, not a yes/no about one thing
    (["养老驿站的开放日 是哪个镇搞的", "去了能干啥 光看吗"], "体验驿站日常工作"),
    (["计量的开放日", "去了能看到什麼"], "试验室"),
    # 哪些方面 asks what is discussed, not who the experts are
    (["部门预算的开放日", "专家主要就哪些方面跟预算单位沟通"], "产出和绩效"),
    # the units of a joint entry ("一块搞的")
    (["政务大厅的开放日", "还有哪几个地方一块搞的"], "兴丰街道"),
    (["政务大厅的开放日", "是几个单位一起办的吗"], "采育镇"),
    # a complaint about the unit keeps the record discussed ("它" is still the site)
    (["门前三包是啥开放日啊", "上回城管把我三轮车连货都收了 凭啥呀", "算了 它是哪个专题的"], "便民惠民服务"),
    # 公告栏 is the plans' 信息公示栏
    (["俺不会上网 村里那公告栏会贴政府的信息不"], "公示栏"),
    (["村里宣传栏上会贴补贴的信息不"], "公示栏"),
    # an everyday word used up by its longest reading keeps all the plans' words for it
    # (负责人: 负责同志 and 主要负责人)
    (["一把手解读是啥", "负责人要履行什么职责？"], "第一解读人"),
    # what the record lists is still answered from it
    (["医保宣讲讲不讲异地就医"], "异地就医"),
    # a kind of record asked for is no detail of one record
    (["老板拖工资 区里有没有讲劳动法的那种活动"], "人社普法"),
    # online or on site: the rules' choice, unless the entry says how it is held
    (["医保宣讲讲啥", "那是在网上还是现场"], "线上线下结合"),
    (["五经普那个宣讲是谁搞的", "那是去企业现场讲还是在网上讲"], "到企业实地宣传"),
    (["五经普那个宣讲是谁搞的", "宣讲是线上还是线下"], "线上线下结合"),
    # the numbered record just discussed writes the question's own word (宣传): a follow-up,
    # though a paragraph of the rules says 宣传报道
    (["政府有没有搞防非法集资的宣传", "俺那五万块还能要回来不", "这宣传谁管 几月弄完"], "区金融办"),
    # 啥时候办的 asks when, not who (办的)
    (["政务开放日和政策公开讲是啥时候办的"], "8月至11月"),
    (["开放日一般啥时候办的"], "8月至11月"),
    # who carries it out, 具体 or not
    (["第22条讲啥", "那22条是谁具体落实"], "政策制定部门负责落实"),
    # the twenty-fourth set: whether an entry covers something is answered with what it says
    (["我开小饭馆的 城管那个开放日是不是讲门前三包"], "门前三包责任制"),
    (["城管委是不是还有个讲座 讲广告牌子的"], "试点片区"),
    # how people are chosen, in what role, in which ways it is held
    (["开放日的人是咋挑的 是不是都内定好了"], "公开遴选"),
    (["宣讲活动参加的人怎么选的"], "定向邀请"),
    (["政务开放日有啥要求", "家长能以啥身份参加"], "家长代表"),
    (["政民互动有哪几种搞法"], "线上线下结合"),
    (["开放日都有啥路子"], "视频直播"),
    # which part (块) of the open days a site belongs to, and the others of that part
    (["开放点11是干啥的", "这个开放点是第几个 归哪一块"], "保障改善民生"),
    (["开放点11是干啥的", "归哪一块", "同一块里还有别的开放点没有"], "开放点9"),
    (["司法局的开放日", "那一块里还有啥"], "开放点8"),
    # a word the short item writes in its second sentence: that sentence is quoted
    (["社保谁负责", "那工伤保险呢"], "工伤保险"),
    (["就业信息谁公开", "失业保险呢"], "失业保险"),
    # "是什么时候": a time
    (["政务开放日是什么时候办的"], "8月至11月"),
    # which place it is (the entry names it), and a theme's members
    (["开放点12是在哪儿"], "瀛海镇政务服务中心"),
    (["旧宫镇的开放日去哪参观"], "南街回迁房"),
    (["政策专属礼包都有哪些"], "开放点16"),
    (["化妆品抽检结果谁公布"], "区市场监管局"),
    # the twenty-fifth set: the plan's own name filters nothing; other units of a joint entry
    # named as places; a farmer's word for 涉农补贴
    (["我在写论文 大兴2023年政务公开要点一共有多少条"], "共有29项"),
    (["政民互动方案里开放日一共几个"], "共有17个开放点"),
    (["兴丰街道的开放日看啥", "除了榆垡还有哪几个地方"], "采育镇"),
    (["俺是村里的 种地补贴这些信息上哪能看着"], "涉农补贴"),
    (["种粮补贴的信息谁公开"], "各镇、街道"),
    # a plan's own structure after another plan's record or a list of its items
    (["政民互动方案是哪天发的 文号多少", "开放日分几个专题"], "优化营商环境"),
    (["政务公开要点是哪天印发的", "开放日有哪几个专题"], "便民惠民服务"),
    (["大兴2023年政务公开要点一共有多少条", "分几大部分", "基本原则有哪些"], "坚持服务为民"),
    (["工作要点有几项", "分几大部分"], "政务公开工作要点》正文分为"),
    # who runs a site described in the citizen's words: with what the entry says of it
    (["俺听说有个开放日是去看养老驿站的 在哪个镇啊"], "幸福晚年驿站"),
    (["那个劳动仲裁的开放日是不是可以去看模拟开庭的那种是哪个单位弄的啊"], "模拟庭审"),
    (["政府买东西的那个开放日是谁办的"], "采购中心"),
    # where a lecture goes, when its entry says so (到企业实地宣传, 深入基层)
    (["五经普的宣讲谁讲", "去哪儿讲"], "到企业实地宣传"),
    (["人社普法宣讲讲啥", "是去企业里讲还是在哪讲"], "深入基层"),
    # where the materials are published, asked right after when
    (["活动结束后材料多久要公开", "公开在哪"], "区政府网站"),
    (["政民互动活动结束以后 材料会公开吗 多久", "放在哪儿"], "栏目公开"),
    # "宣讲啥的" is "lectures and such", not what they cover
    (["这些开放日宣讲啥的 是几月份办"], "8月至11月"),
])
def test_follow_ups_are_answered_from_the_entry(engine, turns, said) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize(("turns", "ref"), [
    # the same unit's record of another kind
    (["仲裁的开放日能去旁听不", "谁办的", "同一个单位还有宣讲没"], "lecture:3"),
    (["部门预算的开放日", "同一个部门还有宣讲吗"], "lecture:2"),
    # of the records just discussed, the one whose words the follow-up names
    (["京策平台是干啥的", "我公司申请的补贴在京策上卡了仨月没动静", "那前置审查这条啥时候完成 谁负责落实"],
     "item:22"),
    (["京策平台是干啥的", "那精准推送那条谁负责"], "item:26"),
    # a record named by words copied from it, kinds' names among them
    (["工作要点里持续开展政策公开讲、政务开放日那一条，完成时限是？"], "item:21"),
    (["要点里拓宽政策文件解读渠道那条谁牵头"], "item:18"),
    # the kind named narrows the words one record alone writes (公示栏: item 13 among the
    # items, though 社区 is a site's alone)
    (["社区公示栏上贴的那些 是要点里哪条要求的"], "item:13"),
    (["小区公示栏的事是要点哪一项管的"], "item:13"),
    # a complaint in between keeps the record discussed before it
    (["政府今年的要点里有没有管非法集资的", "我前年买了个养老理财 说年息百分之十二 现在人跑了 钱能要回来吗",
      "那这条是谁负责"], "item:3"),
    (["医保宣讲讲啥", "俺家楼下饭馆天天油烟熏得受不了", "那它谁负责"], "lecture:4"),
    # "前一个…来着" recalls the record discussed before; "前一个" alone is the one before in order
    (["开放点10是哪个单位的", "好 那开放点9呢", "前一个是哪个单位来着 我笔记没记全"], "site:10"),
    (["第3讲讲啥", "那第4讲呢", "刚才前面那个是谁讲的来着"], "lecture:3"),
    (["开放点10是哪个单位的", "前一个是哪个单位 我没记住"], "site:9"),
    (["用财政钱请中介的项目要在哪儿公开", "那前一条呢", "那刚才中介那条谁负责"], "item:12"),
    # a number without 第 ("26条", "6那个")
    (["第22条和第26条都提京策 这俩一样吗", "26条具体要干啥"], "item:26"),
    (["第3项谁负责", "12项呢"], "item:12"),
    (["开放点5跟开放点6都叫政务服务体验 这俩一样吗", "6那个具体讲啥"], "site:6"),
    (["开放点5谁负责", "那6那个呢"], "site:6"),
    # "那X那块呢": the same question of the one other record that writes X
    (["工作要点第4项是啥", "那消费那块呢"], "item:2"),
    (["社保谁负责", "那绿地这块呢"], "item:6"),
])
def test_the_record_meant_is_answered(engine, turns, ref) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and answer.sources[0].endswith(ref)


def test_words_quoted_from_a_record_are_not_what_is_asked(engine) -> None:
    answer = ask(engine, "那“谁起草谁负责”那条呢")
    assert answer.covered and answer.sources[0].endswith("item:25")
    assert "政策效果评价机制" in answer.text


@pytest.mark.parametrize(("turns", "ref"), [
    # (the 五经普 lecture's entry does say where: 到企业实地宣传; the 医保 one's does not)
    (["医保惠民政策宣讲讲啥", "去哪儿讲", "那第二个呢"], "lecture:2"),
    (["医保惠民政策宣讲讲啥", "去哪儿讲", "那第二个呢", "倒数第二个呢"], "lecture:4"),
    (["开放点9要钱吗", "10呢"], "site:10"),
    (["开放点9要钱吗", "10呢", "后面一个呢"], "site:11"),
])
def test_a_bare_follow_up_after_a_detail_the_plans_never_give_answers_the_record_with_a_note(
        engine, turns, ref) -> None:
    """The record the follow-up names is what the citizen gets; that the detail asked
    before is not in the plans for it either is said, with the hotline."""
    answer = ask(engine, *turns)
    assert answer.covered and answer.reason == CARRIED_DETAIL and answer.sources[0].endswith(ref)
    assert "同样没有写到" in answer.text and HOTLINE in answer.text


def test_a_follow_up_after_a_fact_answered_carries_that_fact_without_a_note(engine) -> None:
    answer = ask(engine, "开放点9谁负责", "10呢")
    assert answer.covered and answer.reason is None and "国动办" in answer.text
    assert "同样没有写到" not in answer.text


@pytest.mark.parametrize("turns", [["俺今年72了 腿脚不太好 我能去开放日不"], ["我想带孩子参加开放日 咋报名", "孩子才8岁能进去不"],
                                   # no activity named, and the NLU's fallback path (the transcript)
                                   ["教育改革的开放日是谁搞的啊", "我就是个普通家长 孩子才5岁 能带着进去不"]])
def test_ones_own_case_of_taking_part_names_whom_the_rules_invite(engine, turns) -> None:
    # the nearest thing the plans say is the list of groups, never a verdict on the citizen
    answer = ask(engine, *turns)
    assert not answer.covered and "群众代表（家长代表或企业代表）" in answer.text and HOTLINE in answer.text
    assert "普通市民可以" not in answer.text


def test_the_rules_named_for_ones_own_case_do_not_change_the_subject(engine) -> None:
    answer = ask(engine, "瀛海镇那个开放点去了看啥", "我就是个普通家长 孩子才5岁 能带着进去不", "属于哪个专题啊")
    assert answer.covered and "创建文明城区" in answer.text and "开放点12" in answer.text


@pytest.mark.parametrize("turns", [["开放点9谁负责"], ["计量的开放日", "谁办的"]])
def test_who_runs_a_site_named_by_number_or_just_discussed_is_said_alone(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and "主责单位" in answer.text and "活动内容" not in answer.text


@pytest.mark.parametrize(("turns", "said"), [
    (["庑殿公园的信息谁公布", "建好了没 现在能去玩不", "说是要创建啥城市来着"], "国家森林城市"),
    (["政府网站集约化那条谁负责", "说是要把网站弄成啥样的平台"], "平台"),
])
def test_a_question_without_a_subject_that_two_of_the_last_records_words_answer_follows_on(engine, turns, said) -> None:
    """No back-reference, no facet, but the work item just discussed writes two of its words
    (debug28), even after a refusal about it."""
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize("text", ["周末想带娃去公园 听说要建那个庑殿公园 这事谁往外公布", "老旧小区改造的消息谁对外发布"])
def test_who_puts_it_out_is_the_unit_asked_after_a_story(engine, text) -> None:
    answer = ask(engine, text)
    assert answer.covered and answer.asked == "unit"
