"""The demo catalogue's words in English and Russian (real Russian, agreeing in gender).

Russian names read "<adjective> <noun> из <material>" ("Классическая кружка из дуба"): the
adjective takes the noun's gender (m, f, n) or plural (pl); the material is a genitive phrase,
which does not change.
"""

from __future__ import annotations

TREE: dict[str, dict[str, list[str]]] = {
    "Home": {
        "Kitchen": ["Mug", "Kettle", "Teapot", "Bowl", "Knife", "Pan", "Cutting Board"],
        "Furniture": ["Chair", "Stool", "Side Table", "Bookshelf", "Bench"],
        "Lighting": ["Desk Lamp", "Pendant Light", "Candle Holder", "Floor Lamp"],
    },
    "Garden": {
        "Tools": ["Trowel", "Pruner", "Rake", "Watering Can", "Hose Reel"],
        "Plants": ["Planter", "Seed Kit", "Herb Pot", "Trellis"],
    },
    "Clothing": {
        "Shirts": ["Shirt", "T-Shirt", "Polo", "Overshirt"],
        "Shoes": ["Sneaker", "Boot", "Sandal", "Loafer"],
    },
    "Electronics": {
        "Audio": ["Headphones", "Speaker", "Turntable", "Earbuds"],
        "Computers": ["Keyboard", "Mouse", "Monitor Stand", "USB Hub"],
    },
    "Books": {"Fiction": ["Novel", "Short Stories"], "Cooking": ["Cookbook", "Baking Guide"]},
}

CATEGORIES_RU = {
    "Home": "Дом",
    "Kitchen": "Кухня",
    "Furniture": "Мебель",
    "Lighting": "Освещение",
    "Garden": "Сад",
    "Tools": "Инструменты",
    "Plants": "Растения",
    "Clothing": "Одежда",
    "Shirts": "Рубашки",
    "Shoes": "Обувь",
    "Electronics": "Электроника",
    "Audio": "Аудиотехника",
    "Computers": "Компьютеры",
    "Books": "Книги",
    "Fiction": "Художественная литература",
    "Cooking": "Кулинария",
}

NOUNS_RU: dict[str, tuple[str, str]] = {
    "Mug": ("кружка", "f"),
    "Kettle": ("чайник", "m"),
    "Teapot": ("заварочный чайник", "m"),
    "Bowl": ("миска", "f"),
    "Knife": ("нож", "m"),
    "Pan": ("сковорода", "f"),
    "Cutting Board": ("разделочная доска", "f"),
    "Chair": ("стул", "m"),
    "Stool": ("табурет", "m"),
    "Side Table": ("приставной столик", "m"),
    "Bookshelf": ("книжная полка", "f"),
    "Bench": ("скамья", "f"),
    "Desk Lamp": ("настольная лампа", "f"),
    "Pendant Light": ("подвесной светильник", "m"),
    "Candle Holder": ("подсвечник", "m"),
    "Floor Lamp": ("торшер", "m"),
    "Trowel": ("садовый совок", "m"),
    "Pruner": ("секатор", "m"),
    "Rake": ("грабли", "pl"),
    "Watering Can": ("лейка", "f"),
    "Hose Reel": ("катушка для шланга", "f"),
    "Planter": ("кашпо", "n"),
    "Seed Kit": ("набор семян", "m"),
    "Herb Pot": ("горшок для зелени", "m"),
    "Trellis": ("шпалера", "f"),
    "Shirt": ("рубашка", "f"),
    "T-Shirt": ("футболка", "f"),
    "Polo": ("поло", "n"),
    "Overshirt": ("рубашка-куртка", "f"),
    "Sneaker": ("кеды", "pl"),
    "Boot": ("ботинки", "pl"),
    "Sandal": ("сандалии", "pl"),
    "Loafer": ("лоферы", "pl"),
    "Headphones": ("наушники", "pl"),
    "Speaker": ("колонка", "f"),
    "Turntable": ("проигрыватель винила", "m"),
    "Earbuds": ("наушники-вкладыши", "pl"),
    "Keyboard": ("клавиатура", "f"),
    "Mouse": ("мышь", "f"),
    "Monitor Stand": ("подставка для монитора", "f"),
    "USB Hub": ("USB-концентратор", "m"),
    "Novel": ("роман", "m"),
    "Short Stories": ("сборник рассказов", "m"),
    "Cookbook": ("кулинарная книга", "f"),
    "Baking Guide": ("книга о выпечке", "f"),
}

GENDERS = ("m", "f", "n", "pl")
ADJECTIVES: dict[str, tuple[str, str, str, str]] = {
    "Classic": ("классический", "классическая", "классическое", "классические"),
    "Rustic": ("деревенский", "деревенская", "деревенское", "деревенские"),
    "Modern": ("современный", "современная", "современное", "современные"),
    "Compact": ("компактный", "компактная", "компактное", "компактные"),
    "Deluxe": ("роскошный", "роскошная", "роскошное", "роскошные"),
    "Everyday": ("повседневный", "повседневная", "повседневное", "повседневные"),
    "Nordic": ("скандинавский", "скандинавская", "скандинавское", "скандинавские"),
    "Vintage": ("винтажный", "винтажная", "винтажное", "винтажные"),
    "Handmade": ("ремесленный", "ремесленная", "ремесленное", "ремесленные"),
    "Sturdy": ("прочный", "прочная", "прочное", "прочные"),
    "Light": ("лёгкий", "лёгкая", "лёгкое", "лёгкие"),
    "Quiet": ("тихий", "тихая", "тихое", "тихие"),
    "Bright": ("яркий", "яркая", "яркое", "яркие"),
    "Soft": ("мягкий", "мягкая", "мягкое", "мягкие"),
    "Travel": ("дорожный", "дорожная", "дорожное", "дорожные"),
    "Studio": ("студийный", "студийная", "студийное", "студийные"),
}

MATERIALS: dict[str, str] = {
    "Oak": "из дуба",
    "Walnut": "из ореха",
    "Steel": "из стали",
    "Ceramic": "из керамики",
    "Linen": "из льна",
    "Cotton": "из хлопка",
    "Brass": "из латуни",
    "Bamboo": "из бамбука",
    "Glass": "из стекла",
    "Stone": "из камня",
    "Copper": "из меди",
    "Wool": "из шерсти",
    "Leather": "из кожи",
    "Maple": "из клёна",
    "Cork": "из пробки",
    "Porcelain": "из фарфора",
}

COLOURS: dict[str, str] = {
    "black": "чёрный",
    "white": "белый",
    "sage green": "шалфейно-зелёный",
    "terracotta": "терракотовый",
    "navy": "тёмно-синий",
    "sand": "песочный",
    "charcoal": "графитовый",
    "ochre": "охристый",
}


def days_ru(count: int) -> str:
    """'1 день', '3 дня', '5 дней'."""
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} день"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return f"{count} дня"
    return f"{count} дней"


def name_ru(adjective: str, material: str, noun: str) -> str:
    """'Classic', 'Oak', 'Mug' -> 'Классическая кружка из дуба'."""
    russian, gender = NOUNS_RU[noun]
    form = ADJECTIVES[adjective][GENDERS.index(gender)]
    return f"{form.capitalize()} {russian} {MATERIALS[material]}"


def description_ru(adjective: str, material: str, noun: str, colour: str, days: int) -> str:
    russian, gender = NOUNS_RU[noun]
    form = ADJECTIVES[adjective][GENDERS.index(gender)]
    return (
        f"{form.capitalize()} {russian} {MATERIALS[material]}, цвет — {COLOURS[colour]}. "
        f"Сделано на совесть; отправим за {days_ru(days)}."
    )


def vocabulary_texts() -> list[str]:
    """Every word the demo's names are made of, in both languages (for `search_words`)."""
    nouns = [noun for children in TREE.values() for nouns in children.values() for noun in nouns]
    return [
        *ADJECTIVES,
        *MATERIALS,
        *nouns,
        *(form for forms in ADJECTIVES.values() for form in forms),
        *MATERIALS.values(),
        *(russian for russian, _gender in NOUNS_RU.values()),
    ]
