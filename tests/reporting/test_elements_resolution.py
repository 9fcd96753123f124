"""Field-name normalisation and resolution against the data-element dictionary (pure: no database)."""

import pytest

from reporting.elements import (
    ELEMENT_TYPES,
    Element,
    Lexicon,
    Resolver,
    load_elements,
    normalise_field,
    parse_field,
    same_datum,
)


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


def test_the_seed_dictionary_has_at_least_60_complete_elements():
    elements = load_elements()
    assert len(elements) >= 60
    for element in elements:
        assert element.code and element.name and element.definition
        assert element.type in ELEMENT_TYPES
    assert {e.type for e in elements} == set(ELEMENT_TYPES)


def test_the_elements_named_in_the_issue_are_in_the_dictionary(resolver):
    for name in [
        "户籍人口",
        "常住人口",
        "流动人口",
        "户籍户数",
        "常住户数",
        "60周岁及以上老年人数",
        "65周岁及以上老年人数",
        "80周岁以上老年人数",
        "低保户数",
        "低保人数",
        "特困人员数",
        "持证残疾人数",
        "享受两项补贴残疾人数",
        "退役军人数",
        "优抚对象数",
        "党员数",
        "网格数",
        "楼栋数",
        "志愿者数",
        "社区工作者数",
        "新生儿数",
        "死亡人数",
        "育龄妇女数",
        "留守儿童数",
        "独居老人数",
        "城乡居民医保参保人数",
        "城乡居民基本养老保险参保人数",
        "耕地面积",
        "村集体经营性收入",
    ]:
        assert resolver.resolve(name).element_code, name


def test_no_two_elements_share_a_signature(resolver):
    canonical = [resolver.canonical_signature(code) for code in resolver.elements]
    assert len(canonical) == len(set(canonical))


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("户籍总人口(人)", "户籍人口"),
        ("户籍人口数", "户籍人口"),
        ("户籍人口（单位：人）", "户籍人口"),
        ("60周岁以上老年人数", "60岁及以上老年人数"),
        ("60岁(含)以上老人数量", "60岁及以上老年人数"),
        ("六十五周岁及以上老年人口", "65岁及以上老年人数"),
        ("（一）低保户数（户）", "低保户数"),
        ("低保户（户）", "低保户数"),
        ("低保户（人）", "低保人数"),
        ("网格个数", "网格数"),
        ("耕地面积（亩）", "耕地面积"),
        ("  ", ""),
        ("\ufeff户籍\u200b人口\n（人）", "户籍人口"),
    ],
)
def test_normalise_field_folds_wording_that_does_not_change_meaning(raw, normalised):
    assert normalise_field(raw) == normalised


@pytest.mark.parametrize(
    ("a", "b", "dimension"),
    [
        ("户籍人口", "常住人口", "residence"),
        ("60岁以上老年人数", "65岁以上老年人数", "age"),
        ("持证残疾人数", "享受两项补贴残疾人数", "benefit"),
        ("城镇低保人数", "农村低保人数", "area"),
        ("户籍人口（男）", "户籍人口（女）", "sex"),
        ("本年出生人数", "上年出生人数", "period"),
        ("新增低保户数", "累计低保户数", "change"),
        ("城乡居民医保参保人数", "城乡居民养老保险参保人数", "scheme"),
    ],
)
def test_qualifiers_are_extracted_and_keep_data_apart(resolver, a, b, dimension):
    assert parse_field(a).qualifier(dimension) != parse_field(b).qualifier(dimension)
    assert not resolver.same_datum(a, b)


def test_households_and_persons_are_different_measures(resolver):
    assert parse_field("低保户数").measure == "H"
    assert parse_field("低保人数").measure == "P"
    assert parse_field("临时救助人次").measure == "PT"
    assert resolver.resolve("低保户数").element_code != resolver.resolve("低保人数").element_code


def test_a_resolution_names_the_element_and_how_it_was_found(resolver):
    found = resolver.resolve("户籍总人口（人）")
    assert (found.element_code, found.canonical, found.confidence, found.reason) == (
        "POP001",
        "户籍人口",
        1.0,
        "dictionary",
    )


def test_an_unknown_field_is_unresolved_so_it_can_be_queued(resolver):
    found = resolver.resolve("文明家庭创建户数")
    assert found.element_code is None
    assert found.reason == "unresolved"
    assert found.canonical == normalise_field("文明家庭创建户数")


@pytest.mark.parametrize("repeats", [5, 12, 40])
def test_a_name_that_settles_only_after_many_passes_parses_like_its_normal_form_and_leaves_no_trace(repeats):
    """Each pass strips one more repeated word: the parse must go on until the wording settles, and must not leave
    an unsettled signature in the lexicon's cache for later names to pick up (found by hypothesis)."""
    lexicon = Lexicon.load()
    name = "人口" * repeats + "户籍"
    assert lexicon.parse(lexicon.normalise(name)) == lexicon.parse(name)
    fresh = Lexicon.load()
    for later in ("户籍人口", "户籍人口人数", "户籍人口女（人）", "户籍人口数"):
        assert lexicon.parse(later) == fresh.parse(later), later
    assert Resolver(lexicon=lexicon).resolve("户籍人口女（人）").element_code == "POP011"


def test_a_word_order_variant_resolves_as_reordered():
    found = Resolver().resolve("严重障碍精神患者数")
    assert (found.element_code, found.reason) == ("HLT006", "reordered")


def test_a_close_spelling_with_the_same_qualifiers_resolves_fuzzily_with_lower_confidence():
    found = Resolver().resolve("严重精神障碍症患者数")
    assert found.element_code == "HLT006"
    assert found.reason == "fuzzy"
    assert 0.8 <= found.confidence < 0.9


def test_a_close_spelling_differing_in_a_negation_is_not_fuzzily_matched():
    assert Resolver().resolve("未参加城乡居民医保人数").element_code is None


def test_a_mapping_confirmed_by_an_officer_is_learnt_with_its_variants():
    resolver = Resolver()
    assert resolver.resolve("在村常住老年居民数（60岁以上）").element_code is None
    resolver.learn("在村常住老年居民数（60岁以上）", "AGE001")
    assert resolver.resolve("在村常住老年居民数（60岁以上）").reason == "learnt"
    # The mapping is kept by meaning, so the same name in other wording follows it.
    assert resolver.resolve("60周岁及以上在村常住老年居民数量").element_code == "AGE001"


def test_learnt_mappings_are_taken_as_input():
    resolver = Resolver(learnt_mappings=[("两癌筛查适龄妇女数", "CHD006")])
    assert resolver.resolve("两癌筛查适龄妇女数").element_code == "CHD006"
    assert Resolver().resolve("两癌筛查适龄妇女数").element_code is None


def test_learning_refuses_a_mapping_that_contradicts_a_qualifier():
    resolver = Resolver()
    with pytest.raises(ValueError, match="residence"):
        resolver.learn("常住人口（人）", "POP001")
    with pytest.raises(ValueError, match="measure"):
        resolver.learn("脱贫户（户）", "AST014")
    with pytest.raises(ValueError):
        resolver.learn("户籍人口", "NOPE")


def test_a_synonym_contradicting_its_element_is_refused_when_loading():
    bad = Element("X1", "户籍人口", "test", "人", "int", synonyms=("常住人口",))
    with pytest.raises(ValueError, match="residence"):
        Resolver([bad])


def test_two_elements_claiming_the_same_wording_are_refused_when_loading():
    a = Element("X1", "低保人数", "test", "人", "int")
    b = Element("X2", "低保对象人数", "test", "人", "int")
    with pytest.raises(ValueError, match="both"):
        Resolver([a, b])


def test_same_datum_is_the_module_level_shortcut():
    assert same_datum("户籍人口数", "户籍总人口（人）")
    assert not same_datum("户籍人口数", "户籍户数")
    assert not same_datum("", "")


def test_the_wording_rules_are_data_files_citing_article_6():
    import tomllib

    from reporting.elements import DATA_DIR

    for name in ("elements.toml", "normalisation.toml", "qualifiers.toml"):
        text = (DATA_DIR / name).read_text(encoding="utf-8")
        assert "第六条" in text, name
    for name in ("normalisation.toml", "qualifiers.toml"):
        with open(DATA_DIR / name, "rb") as fh:
            data = tomllib.load(fh)
        assert (data["article"], data["clause"]) == (6, 1)


def test_two_wordings_of_one_element_may_not_contradict_each_other():
    bad = Element("X1", "留守儿童数", "test", "人", "int", synonyms=("农村留守儿童数", "城镇留守儿童数"))
    with pytest.raises(ValueError, match="area"):
        Resolver([bad])


def test_a_stored_mapping_that_contradicts_its_element_is_set_aside_not_applied():
    resolver = Resolver(learnt_mappings={"常住人口数": "POP001", "两癌筛查适龄妇女数": "CHD006"})
    assert resolver.resolve("常住人口数").element_code == "POP003"
    assert [(name, code) for name, code, _ in resolver.rejected_mappings] == [("常住人口数", "POP001")]
    assert resolver.resolve("两癌筛查适龄妇女数").element_code == "CHD006"


def test_an_officer_may_force_a_mapping_the_qualifiers_disagree_with():
    resolver = Resolver()
    resolver.learn("户籍人口（常住口径）", "POP003", force=True)
    assert resolver.resolve("户籍人口（常住口径）").element_code == "POP003"


def test_a_name_whose_meaning_depends_on_its_form_is_the_same_datum_as_nothing():
    resolver = Resolver()
    for name in ["其中：女", "合计", "数量", "户数", "其中：60岁以上"]:
        assert resolver.resolve(name).reason == "contextual", name
        assert not resolver.same_datum(name, name)
    assert resolver.resolve("常住人口中男性人数").reason == "unresolved"
    assert resolver.same_datum("常住人口中男性人数", "常住人口（男）")
    with pytest.raises(ValueError, match="depends on the form"):
        resolver.learn("其中：女", "POP011")


def test_describe_gives_an_element_as_plain_data(resolver):
    from reporting.elements import describe

    data = describe(resolver.element("POP001"))
    assert data["code"] == "POP001" and data["name"] == "户籍人口" and data["type"] == "int" and data["unit"] == "人"
    assert "户口人口" in data["synonyms"]
