"""Hand-written articles for the stories pipeline tests: one event in English and Russian, another
event in the same city, and wire copy (each a (title, text) pair)."""

FLOOD_EN = ("Floods force evacuations in Kazan after record rainfall",
 "Emergency services in Kazan evacuated more than 1,200 residents on Tuesday after two days of record rainfall pushed the Kazanka river over its banks.\n\n"
 "The regional emergencies ministry said water had entered about 300 homes in the city's northern districts, and that two schools were turned into temporary shelters.\n\n"
 "Mayor Ilsur Metshin said the city had not seen such a flood in forty years and asked residents of low-lying streets to leave their homes before nightfall.\n\n"
 "Forecasters expect the rain to ease on Wednesday, but warned that the river level would keep rising for another day as water flows down from the upper reaches.\n\n"
 "No deaths have been reported. Three people were taken to hospital with hypothermia, the ministry said.")
FLOOD_RU = ("В Казани из-за рекордных ливней эвакуировали жителей",
 "Спасатели в Казани во вторник эвакуировали более 1200 жителей после двух дней рекордных дождей, из-за которых река Казанка вышла из берегов.\n\n"
 "По данным регионального МЧС, вода зашла примерно в 300 домов в северных районах города, две школы превращены во временные пункты размещения.\n\n"
 "Мэр Ильсур Метшин заявил, что такого наводнения в городе не было сорок лет, и попросил жителей низменных улиц покинуть дома до наступления темноты.\n\n"
 "Синоптики ожидают, что в среду дождь ослабнет, но предупреждают, что уровень реки будет расти еще сутки.\n\n"
 "Погибших нет. Трое госпитализированы с переохлаждением, сообщили в МЧС.")
METRO_EN = ("Kazan opens new metro station on the Savinovo line",
 "Kazan opened a new metro station on Saturday, extending the city's single line by two kilometres towards the Savinovo district.\n\n"
 "The station, called Tsentralny Stadion, took four years to build and cost 9 billion roubles, the city administration said.\n\n"
 "Mayor Ilsur Metshin rode the first train together with the president of Tatarstan and said the extension would serve about 40,000 passengers a day.\n\n"
 "A second line, planned for 2027, will connect the airport with the city centre, officials said.\n\n"
 "Trains will run every six minutes during rush hour.")

# a wire report of its own, with the edits outlets make when they run it
WIRE = ("Central bank raises key rate to 18 percent",
 "The central bank raised its key interest rate by two percentage points to 18 percent on Friday, its third increase this year, as inflation accelerated to 9.1 percent in July.\n\n"
 "Governor Elvira Nabiullina told a news conference that price growth was broad and that the bank was prepared to tighten policy further if inflation expectations did not ease.\n\n"
 "Analysts polled before the meeting had expected a smaller increase of one percentage point, and the rouble strengthened slightly against the dollar after the announcement.\n\n"
 "The bank said strong consumer demand, a tight labour market and the weaker rouble earlier in the summer had all added to inflation pressure in recent months.\n\n"
 "The next rate meeting is scheduled for October 25, when the bank will also publish its updated medium-term forecast for growth and inflation.\n\n"
 "Mortgage lenders said they expected to raise their own rates within days, which would further cool a housing market already slowed by the end of subsidised loans.")


def wire_copy(headline: str, *, drop: int | None = None, source_line: str | None = None) -> tuple[str, str]:
    """WIRE run by another outlet: its own headline, a paragraph dropped, a source line added."""
    paragraphs = WIRE[1].split("\n\n")
    if drop is not None:
        del paragraphs[drop]
    if source_line:
        paragraphs.append(source_line)
    return headline, "\n\n".join(paragraphs)

# the same decision reported by an outlet in its own words (not a reprint, same event)
RATE_OWN = ("Nabiullina surprises markets with a two-point hike",
 "Borrowing got more expensive again on Friday: the central bank lifted its benchmark rate from 16 to 18 percent, "
 "a bigger step than most economists had forecast.\n\n"
 "Inflation reached 9.1 percent in July, and the regulator blamed booming consumer spending and a shortage of workers.\n\n"
 "Speaking to reporters, Elvira Nabiullina did not rule out another increase at the October meeting.\n\n"
 "Banks are likely to pass the higher cost on to borrowers quickly, brokers said, with mortgage rates expected to climb "
 "above 20 percent for the first time since 2022.\n\n"
 "The rouble gained about half a percent against the dollar in afternoon trading.")
