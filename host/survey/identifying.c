/*
 * identifying.c: refusing items that would collect identifying data. See
 * identifying.h for the contract.
 *
 * Why the rules look the way they do. A Candor item can only record:
 *  - yesno: one bit. It cannot carry a name or a number, whatever its
 *    question says ("Was your phone taken?" is a question about isolation),
 *    so only its item name is checked (an item named "phone" misleads every
 *    analyst who reads the export).
 *  - single / multiple: one (or a set) of the author's FIXED choices. Such an
 *    item collects identifying data only when the choices are themselves
 *    the identifying values: "Which agency recruited you?" with a list of
 *    agencies, "What is your name?" with a list of names. So the question
 *    must ASK FOR THE VALUE: a question word directly before the datum
 *    ("which agency", "what is your name", "¿qué agencia...?", "¿cuál es su
 *    nombre?"), a phrase that asks by itself ("name of your sister",
 *    "nombre de la agencia", "how can we contact you", "when were you
 *    born"), or a label that starts with the datum like a form field ("Phone
 *    number", "Su nombre"). A question ABOUT a practice mentions the datum
 *    without asking for it ("Who keeps your passport or ID?", "Do you owe
 *    the employer...?") and passes, as do possessives after a question word
 *    ("which country's embassy") and names of things ("the name of the
 *    job").
 *    Spanish "que"/"cual" also start relative clauses ("dinero que su
 *    empleador le debe"), so as bare question words they must be followed
 *    by the datum directly; only "cuál es ..." may have "su/el/la" between.
 *  - integer: a number, the one kind that can carry a phone number's
 *    digits, a house number, a postcode, a document number or a birth year
 *    (the range limit in compile.c caps it at 10000 values, still enough for
 *    a year or a short number). Any mention of such a datum in its name,
 *    labels or hints is refused, unless every label asks for a count ("how
 *    many", "¿cuántas veces...?"), which cannot be an identifier.
 *  - a location: a question for a place (which city, town, village,
 *    region, country, GPS...) is allowed only as a single choice from a
 *    preset list of coarse regions shipped with candor (surveys/presets/).
 *    Relative answers ("this area / another region / another country",
 *    DOMAIN.md's three levels of origin) are not places and pass.
 * Tags name what an item is about; a tag naming a datum ("phone",
 * "PII:name" or "location") is refused on items that can carry a value.
 * Choice labels are not scanned: they are the fixed answers, and a coarse
 * category such as "a small town" must stay possible. A list of actual
 * place or agency names cannot be recognised from words alone; that review
 * stays with the office, whose signed packs are the only ones a device
 * installs.
 *
 * Matching works on normalised words (cnd_ident_normalise): a pattern is a
 * sequence of word slots separated by spaces; a slot lists alternatives
 * separated by '|'; an alternative ending in '*' matches any word starting
 * with it; a slot starting with '?' is optional (taken when it matches, no
 * backtracking). Every pattern below is already in normalised form (lower
 * case, no accents: "telefono", "numero", "ano" for año).
 * RAM: host only; one words_t (about 6 KB) on the stack per text checked.
 */
#include "identifying.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cnd_limits.h"

/* ------------------------------------------------------------ the rules */

typedef struct {
    cnd_ident_cat_t cat;
    const char *name; /* for tests and logs */
    const char *what; /* "would collect identifying data (<what>)" */
    const char *harm;
    const char *instead;
    /* The datum itself: refused as an item name, at the end of an item
     * name, in tags, at the start of a label, after a question word, and
     * anywhere in an integer item (unless it is a count). */
    const char *const *values;
    /* Asked for after a question word ("which agency"), but ordinary words
     * elsewhere ("Do you owe the employer...?"). */
    const char *const *nouns;
    /* Phrases that ask for the datum wherever they appear. */
    const char *const *asks;
    /* Integer items only: a number about these is the datum (a birth year). */
    const char *const *numbers;
    /* Integer items only, in labels and hints: a number about calling,
     * ringing, figures, streets or a family is (part of) the datum. Not
     * applied to item names, which are words an analyst reads. */
    const char *const *said;
} ident_rule_t;

#define EMPLOYER_EN                                                                                \
    "employer|employers|boss|bosses|agency|agencies|recruiter|recruiters|broker|brokers|"          \
    "company|companies|agent|agents|sponsor|sponsors|firm|firms"
#define EMPLOYER_ES                                                                                \
    "empleador|empleadora|empleadores|patron|patrona|patrones|jefe|jefa|agencia|agencias|"         \
    "reclutador|reclutadora|intermediario|intermediaria|empresa|empresas|agente|agentes|"          \
    "patrocinador|compania"
#define DET_EN "?the|your|his|her|their|my|this|that"
#define DET_ES "?su|tu|sus|tus|el|la|los|las|mi|mis|este|esta"
#define NUMBER_ES "numero|num|no|nro|n de|del " DET_ES

static const char *const employer_values[] = {
    EMPLOYER_EN " ?s name|names", "name|names of " DET_EN " " EMPLOYER_EN,
    "nombre|nombres de|del " DET_ES " " EMPLOYER_ES, NULL};
static const char *const employer_nouns[] = {
    EMPLOYER_EN, "recruitment|employment|placement|staffing agency|agencies|company|companies",
    EMPLOYER_ES, NULL};
static const char *const employer_asks[] = {
    "name|names of " DET_EN " " EMPLOYER_EN, "nombre|nombres de|del " DET_ES " " EMPLOYER_ES,
    "como se llama|llaman|llamaba|llamaban " DET_ES " " EMPLOYER_ES,
    "who is|was|were your|the " EMPLOYER_EN " called", NULL};

static const char *const contact_values[] = {
    "mobile|cell|whatsapp|contact|phone|telephone number|numbers|no|nr",
    "phone|phones|telephone|telephones|cellphone|cellphones|smartphone|smartphones|mobile|mobiles",
    "whatsapp|telegram|viber|wechat|imo|facebook|instagram|tiktok|twitter|snapchat|messenger|"
    "skype",
    "email|emails|email address|addresses",
    "e mail|mails",
    "social media|network|networks ?account|accounts|profile|handle",
    "username|usernames",
    "user|screen name|names",
    "telefono|telefonos|celular|celulares|movil|moviles",
    NUMBER_ES " telefono|celular|movil|whatsapp|contacto",
    "correo|correos ?electronico|electronicos",
    "redes sociales",
    "usuario|usuarios",
    "nombre de usuario",
    NULL};
static const char *const contact_nouns[] = {"handle|handles", NULL};
/* A number about calling or ringing someone is (part of) their number. */
static const char *const contact_numbers[] = {
    "call|calls|calling|called|dial|dials|dialing|dialling|ring|rings|ringing|rang|phoned|"
    "text|texting|texted|reach|reached",
    "llamar|llama|llaman|llamas|llamo|llamada|llamadas|marcar|marca|marcan|marque|timbre|sonar|"
    "suena|contactar|localizar",
    NULL};
static const char *const contact_asks[] = {
    "how can|could|may|do|should we|i|someone|they contact|reach|call|find|text|message you",
    "como|donde podemos|puedo|pueden contactarle|contactarte|contactarla|contactarlo|llamarle|"
    "llamarte|localizarle|localizarte|encontrarle|encontrarte",
    "contact details|information|info", "datos de contacto", NULL};

static const char *const document_values[] = {
    "passport|id|identity|identification|visa|permit|document|card|insurance|security|tax|"
    "registration|residence|licence|license|alien number|numbers|no|nr|num",
    "national id|identity|insurance",
    "social security|insurance",
    "ssn|nino|dni|nie|curp|rut|rfc|nss|cedula|cedulas|cuil|cuit",
    NUMBER_ES " pasaporte|documento|documentos|cedula|identidad|identificacion|dni|nie|visa|"
              "visado|permiso|residencia|seguro|seguridad|afiliacion|licencia|registro|tarjeta|"
              "extranjero",
    "seguro|seguridad social",
    NULL};
static const char *const document_asks[] = {
    "digits of " DET_EN " ?work|residence|identity|id|national passport|id|card|document|permit|"
    "visa",
    "digitos de|del " DET_ES " pasaporte|documento|cedula|dni|nie|tarjeta|permiso|visa", NULL};
/* A number that is "the digits of" something is part of an identifier:
 * digits, figures, the ending of a number, in English and Spanish. */
static const char *const document_numbers[] = {"digit|digits|digito|digitos", NULL};
static const char *const document_said[] = {
    "digit|digits|digito|digitos|figure|figures|cifra|cifras|numeral|numerals",
    "ending|ends|ultimos|ultimas|last|first|primeros|primeras digit|digits|figure|figures|number|"
    "numbers|numeros|cifras|digitos",
    "terminacion|termina|terminan", NULL};

static const char *const address_values[] = {
    "address|addresses",
    "street|house|flat|apartment|building|door|block|unit number|numbers|no|nr",
    "postcode|postcodes|zipcode|zipcodes",
    "post|postal|zip code|codes",
    "street|streets|calle|calles",
    "direccion|direcciones|domicilio|domicilios",
    "codigo postal",
    "apartado postal",
    NUMBER_ES " casa|calle|portal|piso|apartamento|departamento|puerta|domicilio|edificio",
    NULL};
static const char *const address_nouns[] = {"road|roads|avenue|avenues|avenida|avenidas", NULL};
/* A number about a street, door or block is part of an address. */
static const char *const address_numbers[] = {
    "street|streets|road|roads|avenue|avenues|lane|door|doors|gate|block|blocks|building|"
    "buildings|floor|flat|apartment|house|houses",
    "calle|calles|avenida|avenidas|portal|puerta|puertas|piso|bloque|manzana|lote|edificio|casa|"
    "casas|departamento|apartamento",
    /* a number about a family or household: its house number, or the
     * digits that reach it */
    "family|families|household|households|familia|familias|hogar|hogares", NULL};
static const char *const address_asks[] = {
    "where exactly", "donde exactamente", "exact|full|home address|addresses",
    "direccion|direcciones exacta|exactas|completa|completas", NULL};

static const char *const location_values[] = {
    "gps",
    "coordinates|coordinate|coords",
    "latitude|longitude|lat|lon|lng|latlong",
    "geolocation|geopoint|geotag|geodata|geo",
    "location|locations",
    "ubicacion|ubicaciones|coordenadas|latitud|longitud|geolocalizacion|localizacion",
    "birthplace",
    "place|country|city|town|village of birth|origin",
    "lugar|pais|ciudad|pueblo|localidad de nacimiento|origen|procedencia",
    NULL};
static const char *const location_nouns[] = {
    "city|cities|town|towns|village|villages|neighbourhood|neighbourhoods|neighborhood|"
    "neighborhoods|district|districts|suburb|suburbs|municipality|municipalities|county|"
    "counties|province|provinces|region|regions|country|countries|zone|zones|commune|communes|"
    "parish|parishes|ward|wards|barangay|barangays|township|townships|hamlet|hamlets|borough|"
    "boroughs",
    /* "what part of the country", not "what part of your pay" */
    "part|parts of " DET_EN " country|countries|city|town|region|province|island|state",
    "ciudad|ciudades|pueblo|pueblos|aldea|aldeas|barrio|barrios|colonia|colonias|vereda|veredas|"
    "caserio|caserios|municipio|municipios|provincia|provincias|departamento|departamentos|"
    "distrito|distritos|region|regiones|pais|paises|zona|zonas|comuna|comunas|localidad|"
    "localidades|parroquia|parroquias|canton|cantones|corregimiento|corregimientos|poblacion",
    "parte|partes de|del " DET_ES " pais|ciudad|pueblo|region|provincia|isla|estado", NULL};

static const char *const birth_values[] = {"date|day|month|year|place of birth",
                                           "birth date|day|month|year|dates|days",
                                           "birthdate|birthdates|birthday|birthdays|dob",
                                           "fecha|fechas|dia|mes|ano de nacimiento",
                                           "cumpleanos",
                                           NULL};
static const char *const birth_asks[] = {"when were|was you|she|he|they born",
                                         "when is|s your|her|his birthday",
                                         "what|which year were|was you|she|he|they born",
                                         "cuando nacio|naciste|nacieron",
                                         "cuando es su|tu cumpleanos",
                                         "en que ano nacio|naciste|nacieron",
                                         NULL};
static const char *const birth_numbers[] = {
    "born|birth|birthday|nacio|naciste|nacido|nacida|nacimiento|cumpleanos", NULL};


static const char *const image_values[] = {
    "photo|photos|photograph|photographs|picture|pictures|selfie|selfies|fingerprint|"
    "fingerprints|foto|fotos|fotografia|fotografias|retrato|retratos",
    "huella|huellas dactilar|dactilares|digital|digitales", "voice recording|recordings",
    "grabacion|grabaciones de voz", NULL};
static const char *const image_asks[] = {"take|send|upload a|your photo|picture|selfie",
                                         "tome|saque|envie una|su foto", NULL};

static const char *const names_values[] = {
    "name|names",
    "full|first|last|given|family|maiden|middle|real|christian name|names",
    "surname|surnames|nickname|nicknames|forename|forenames",
    "nombre|nombres",
    "apellido|apellidos|apodo|apodos|sobrenombre|sobrenombres|mote|motes",
    NULL};
/* Whose name may be asked for: "name of your sister", not "name of the job". */
#define PEOPLE_EN                                                                                  \
    "mother|father|parent|parents|husband|wife|partner|spouse|child|children|son|sons|daughter|"   \
    "daughters|sister|sisters|brother|brothers|relative|relatives|family|friend|friends|person|"   \
    "people|contact|contacts|guardian|neighbour|neighbours|neighbor|neighbors|respondent|worker|"  \
    "workers"
#define PEOPLE_ES                                                                                  \
    "madre|padre|padres|esposo|esposa|marido|mujer|pareja|hijo|hijos|hija|hijas|hermano|"          \
    "hermanos|hermana|hermanas|familiar|familiares|familia|amigo|amigos|amiga|amigas|persona|"     \
    "personas|contacto|contactos|vecino|vecinos|vecina|vecinas|trabajador|trabajadora"
static const char *const names_asks[] = {"name|names of " DET_EN " " PEOPLE_EN,
                                         "s name|names|nickname|nicknames|surname|surnames",
                                         "nombre|nombres|apellido|apellidos|apodo de|del " DET_ES
                                         " " PEOPLE_ES,
                                         "como se|te llama|llamas|llaman|llamaba|llamo",
                                         "what do|does they|people|others|she|he call you",
                                         "what are you called",
                                         "whose name",
                                         NULL};

static const char *const none[] = {NULL};

/* Order matters: the first category that matches a text explains it, so the
 * specific ones ("name of your employer", "nombre de usuario") come before
 * the generic "name". */
static const ident_rule_t rules[] = {
    {CND_IDENT_EMPLOYER, "employer", "an employer, agency or recruiter's name",
     "naming a household or agency points to the worker in it and can bring retaliation or an "
     "enforcement action on the respondent",
     "ask what happened, not who (e.g. 'Did an agency recruit you?' as yesno, or choices "
     "such as 'a family' / 'an agency')",
     employer_values, employer_nouns, employer_asks, none, none},
    {CND_IDENT_CONTACT, "contact", "a phone number or other contact",
     "a number, email or messaging or social media account reaches the respondent directly, "
     "for whoever holds the data or seizes the device",
     "ask whether they can contact family freely or whether their phone is taken, with fixed "
     "choices",
     contact_values, contact_nouns, contact_asks, none, contact_numbers},
    {CND_IDENT_DOCUMENT, "document", "a document number",
     "a passport, ID card, visa or permit number names exactly one person, and officials or "
     "employers can look it up",
     "ask who keeps the documents or whether the papers are valid, with fixed choices",
     document_values, none, document_asks, document_numbers, document_said},
    {CND_IDENT_ADDRESS, "address", "an address",
     "a street, house number or postcode leads to the household where the respondent lives or "
     "works",
     "ask whether they live in the employer's household, with fixed choices", address_values,
     address_nouns, address_asks, none, address_numbers},
    {CND_IDENT_LOCATION, "location", "a place finer than a preset list of regions",
     "a town, neighbourhood, village or GPS position narrows the respondents down to a few "
     "households",
     "ask for a coarse region: \"kind\": \"single\" with \"preset\" naming a list shipped in "
     "surveys/presets/ (e.g. \"world-regions\")",
     location_values, location_nouns, none, none, none},
    {CND_IDENT_BIRTH, "birth", "an exact date of birth",
     "a birth date is close to unique in a community and is on every document an official "
     "holds",
     "ask the age in years (an integer item) or an age band as choices", birth_values, none,
     birth_asks, birth_numbers, none},
    {CND_IDENT_IMAGE, "image", "a photo, fingerprint or recording",
     "a face, fingerprint or voice identifies the respondent by itself",
     "ask about the situation with fixed choices; Candor collects no media", image_values, none,
     image_asks, none, none},
    {CND_IDENT_NAMES, "names", "a person's name",
     "a name, nickname or a relative's name can lead an employer, recruiter or official "
     "straight to the respondent or their family",
     "ask about the situation, not the person (e.g. 'Who keeps your passport?' with choices "
     "such as 'my employer')",
     names_values, none, names_asks, none, none},
};

/* Question words that ask for the word after them. The bare forms take
 * the datum directly ("which agency"); the "is" forms allow a determiner
 * ("what is your name", "cuál es su nombre"). See the header comment on
 * Spanish relative "que". */
static const char *const frames[] = {"what|which is|s|are|was|were " DET_EN, "what|which",
                                     "cual|cuales es|son|era|fue|eran " DET_ES, "que|cual|cuales",
                                     NULL};

/* An integer item whose every label contains one of these asks for a count. */
static const char *const counts[] = {"how many|much|often|long|old",
                                     "cuantos|cuantas|cuanto|cuanta", "con que frecuencia",
                                     "cada cuanto", NULL};
/* What an integer may measure: an integer item whose range looks like a
 * year, a run of digits or a wide code is allowed only when a label says
 * it measures one of these (a count above, or an age, hours, days...). */
static const char *const measures[] = {
    "how many|much|often|long|old", "cuantos|cuantas|cuanto|cuanta", "con que frecuencia",
    "cada cuanto",
    "age|aged|hours|hour|days|day|weeks|week|months|month|times|people|persons|percent|"
    "edad|horas|hora|dias|dia|semanas|semana|meses|mes|veces|personas|porcentaje",
    NULL};

/* Item kinds that would collect a free value; refused with their own
 * explanation (names in normalised form: "note-with-input" is
 * "note with input"). */
typedef struct {
    cnd_ident_cat_t cat;
    const char *const *kinds;
    const char *what, *harm, *instead;
} kind_rule_t;

static const char *const free_text_kinds[] = {
    "text",      "string",     "str",           "textarea",        "free text", "freetext", "open",
    "open text", "open ended", "note",          "note with input", "comment",   "comments", "input",
    "other",     "specify",    "other specify", "email",           "phone",     "tel",      "url",
    "name",      NULL};
static const char *const media_kinds[] = {"photo",     "image",   "picture", "audio", "video",
                                          "signature", "barcode", "file",    NULL};
static const char *const place_kinds[] = {"geopoint", "geotrace",    "geoshape", "gps",
                                          "location", "coordinates", "map",      NULL};
static const char *const date_kinds[] = {"date",       "datetime", "date time", "time", "birthdate",
                                         "birth date", "dob",      "calendar",  NULL};

static const kind_rule_t kind_rules[] = {
    {CND_IDENT_FREE_TEXT, free_text_kinds, "free text",
     "a typed answer can hold a name, phone number, address or anything else, and nothing "
     "checks it before it is stored",
     "use single, multiple, yesno or integer items with fixed choices or small ranges"},
    {CND_IDENT_IMAGE, media_kinds, "a photo, recording or scan",
     "a face, voice, signature or code identifies the respondent by itself",
     "ask about the situation with fixed choices; Candor collects no media"},
    {CND_IDENT_LOCATION, place_kinds, "a position",
     "a GPS position or map point leads to the household where the interview took place",
     "ask for a coarse region: \"kind\": \"single\" with \"preset\" naming a list shipped in "
     "surveys/presets/ (e.g. \"world-regions\")"},
    {CND_IDENT_BIRTH, date_kinds, "an exact date",
     "an exact date (of birth, arrival or an event) can single out one person together with "
     "the other answers",
     "ask for an age or an age band, or a period as choices (exports already coarsen the "
     "interview day to a week)"},
};

/* -------------------------------------------------------- normalising */

/* U+00C0..U+00FF and U+0100..U+017F folded to one ASCII letter; '.' marks
 * the few that need two (handled in fold2) or are not letters. */
static const char latin1_fold[64] = "aaaaaa.ceeeeiiii"        /* C0..CF (C6 ae) */
                                    "dnooooo.ouuuuy.."        /* D0..DF (D7 x, DE th, DF ss) */
                                    "aaaaaa.ceeeeiiii"        /* E0..EF (E6 ae) */
                                    "dnooooo.ouuuuy.y";       /* F0..FF (F7 /, FE th) */
static const char latin_ext_a_fold[129] = "aaaaaaccccccccdd"  /* U+0100 */
                                          "ddeeeeeeeeeegggg"  /* U+0110 */
                                          "gggghhhhiiiiiiii"  /* U+0120 */
                                          "iiiijjkkklllllll"  /* U+0130 */
                                          "lllnnnnnnnnnoooo"  /* U+0140 */
                                          "oooorrrrrrssssss"  /* U+0150 */
                                          "ssttttttuuuuuuuu"  /* U+0160 */
                                          "uuuuwwyyyzzzzzzs"; /* U+0170 */

static const char *fold2(unsigned cp)
{
    switch (cp) {
    case 0xC6:
    case 0xE6:
        return "ae";
    case 0xDE:
    case 0xFE:
        return "th";
    case 0xDF:
        return "ss";
    case 0xAA: /* ª */
        return "a";
    case 0xBA: /* º, as in nº */
    case 0xB0: /* °, as in n° */
        return "o";
    default:
        return NULL;
    }
}

size_t cnd_ident_normalise(const char *text, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, last_break = 0;
    int space = 1; /* at a word break: no leading spaces */

    if (cap == 0)
        return 0;
    while (*s != '\0') {
        char one[2] = {0, 0};
        const char *add = NULL;
        size_t step = 1, k;
        unsigned c = s[0];
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                one[0] = (char)c;
            else if (c >= 'A' && c <= 'Z')
                one[0] = (char)(c - 'A' + 'a');
            add = one[0] ? one : NULL;
        } else if ((c == 0xC2 || c == 0xC3 || c == 0xC4 || c == 0xC5) && (s[1] & 0xC0) == 0x80) {
            unsigned cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
            step = 2;
            if ((add = fold2(cp)) == NULL) {
                if (cp >= 0xC0 && cp <= 0xFF && latin1_fold[cp - 0xC0] != '.')
                    one[0] = latin1_fold[cp - 0xC0];
                else if (cp >= 0x100 && cp < 0x180)
                    one[0] = latin_ext_a_fold[cp - 0x100];
                add = one[0] ? one : NULL; /* other Latin-1 symbols: a break */
            }
        } else if (c == 0xE2 && s[1] == 0x80 && (s[2] & 0xC0) == 0x80) {
            step = 3; /* general punctuation (’ “ – …): a break */
        } else {
            /* Any other script: kept byte for byte, part of the word. */
            one[0] = (char)c;
            add = one;
        }
        s += step;
        if (add == NULL) {
            if (!space && n + 1 < cap) {
                last_break = n;
                out[n++] = ' ';
            }
            space = 1;
            continue;
        }
        k = strlen(add);
        if (n + k >= cap) {
            n = space ? n : last_break; /* cut at a word, never mid-word */
            break;
        }
        memcpy(out + n, add, k);
        n += k;
        space = 0;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

/* ----------------------------------------------------------- matching */

#define WORDS_TEXT_CAP (2 * CND_MAX_TEXT_LEN + 2)
#define WORDS_MAX (CND_MAX_TEXT_LEN + 1)

typedef struct {
    char buf[WORDS_TEXT_CAP];
    size_t n;
    uint16_t at[WORDS_MAX];  /* word start in buf */
    uint16_t len[WORDS_MAX]; /* word length */
} words_t;

static void words_of(const char *text, words_t *t)
{
    size_t len = cnd_ident_normalise(text, t->buf, sizeof t->buf), i = 0;
    t->n = 0;
    while (i < len && t->n < WORDS_MAX) {
        size_t j = i;
        while (j < len && t->buf[j] != ' ')
            j++;
        t->at[t->n] = (uint16_t)i;
        t->len[t->n] = (uint16_t)(j - i);
        t->n++;
        i = j + 1;
    }
}

/* Does word w[0..wl) match one of the '|'-separated alternatives? */
static int slot_matches(const char *alts, size_t n, const char *w, size_t wl)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, al;
        while (j < n && alts[j] != '|')
            j++;
        al = j - i;
        if (al > 0 && alts[i + al - 1] == '*') {
            if (wl >= al - 1 && memcmp(alts + i, w, al - 1) == 0)
                return 1;
        } else if (al == wl && memcmp(alts + i, w, wl) == 0) {
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

/* Matches pattern pat at word pos; on success *end is the word after it.
 * An all-optional pattern that consumed nothing is not a match. */
static int match_at(const words_t *t, size_t pos, const char *pat, size_t *end)
{
    const char *p = pat;
    size_t start = pos;
    while (*p != '\0') {
        size_t n = strcspn(p, " ");
        int opt = p[0] == '?';
        if (pos < t->n && slot_matches(p + opt, n - (size_t)opt, t->buf + t->at[pos], t->len[pos]))
            pos++;
        else if (!opt)
            return 0;
        p += n;
        while (*p == ' ')
            p++;
    }
    *end = pos;
    return pos > start;
}

static int match_list(const words_t *t, size_t pos, const char *const *list, size_t *end)
{
    for (; *list != NULL; list++)
        if (match_at(t, pos, *list, end))
            return 1;
    return 0;
}

/* A match: words [from, to). */
typedef struct {
    size_t from, to;
} hit_t;

static int find_anywhere(const words_t *t, const char *const *list, hit_t *h)
{
    size_t pos, end;
    for (pos = 0; pos < t->n; pos++)
        if (match_list(t, pos, list, &end)) {
            h->from = pos;
            h->to = end;
            return 1;
        }
    return 0;
}

/* Word i is the "s" of an English possessive ("employer's" -> "employer s"). */
static int is_possessive_s(const words_t *t, size_t i)
{
    return i < t->n && t->len[i] == 1 && t->buf[t->at[i]] == 's';
}

/* Words end-1, end are "name of" / "nombre de": whose name it is decides
 * (the asks lists: "name of your sister", not "name of the job"). */
static int is_name_of(const words_t *t, size_t end)
{
    static const char *const name_of[] = {"name|names|nombre|nombres of|de|del", NULL};
    size_t stop;
    return end > 0 && match_list(t, end - 1, name_of, &stop) && stop == end + 1;
}

/* A question word followed by one of the values, or by one of the nouns
 * that is not a possessive: "which agency", not "what is your employer's
 * attitude" or "which country's embassy" ("employer's name" is a value). */
static int find_asked(const words_t *t, const ident_rule_t *r, hit_t *h)
{
    size_t pos, q, end;
    const char *const *f;
    for (pos = 0; pos < t->n; pos++)
        for (f = frames; *f != NULL; f++)
            if (match_at(t, pos, *f, &q) &&
                ((match_list(t, q, r->values, &end) && !is_name_of(t, end)) ||
                 (match_list(t, q, r->nouns, &end) && !is_possessive_s(t, end)))) {
                h->from = pos;
                h->to = end;
                return 1;
            }
    return 0;
}

/* A label that starts like a form field: "Phone number", "Su nombre". */
static int find_at_start(const words_t *t, const ident_rule_t *r, hit_t *h)
{
    size_t q = 0, end;
    static const char *const det[] = {DET_EN, DET_ES, NULL};
    if (!match_list(t, 0, det, &q))
        q = 0;
    if (match_list(t, q, r->values, &end) || (q > 0 && match_list(t, 0, r->values, &end))) {
        h->from = 0;
        h->to = end;
        return 1;
    }
    return 0;
}

/* The whole text is one of the values ("phone", "date of birth"). */
static int is_whole_value(const words_t *t, const ident_rule_t *r)
{
    size_t end;
    return t->n > 0 && match_list(t, 0, r->values, &end) && end == t->n;
}

/* The text ends with a value ("home_phone", "mother_name"). */
static int ends_with_value(const words_t *t, const ident_rule_t *r, hit_t *h)
{
    size_t pos, end;
    for (pos = 0; pos < t->n; pos++)
        if (match_list(t, pos, r->values, &end) && end == t->n) {
            h->from = pos;
            h->to = end;
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------- judging */

typedef enum { CARRIES_NOTHING, CARRIES_CHOICE, CARRIES_NUMBER } carries_t;

static carries_t carries_of(const char *kind)
{
    if (kind == NULL)
        return CARRIES_CHOICE;
    if (strcmp(kind, "yesno") == 0 || strcmp(kind, "info") == 0)
        return CARRIES_NOTHING;
    if (strcmp(kind, "integer") == 0)
        return CARRIES_NUMBER;
    return CARRIES_CHOICE; /* single, multiple; unknown kinds: compile.c refuses them */
}

const char *cnd_ident_cat_name(cnd_ident_cat_t cat)
{
    size_t i;
    if (cat == CND_IDENT_FREE_TEXT)
        return "free text";
    for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].cat == cat)
            return rules[i].name;
    return "none";
}

static cnd_ident_cat_t refuse(cnd_err_t *err, const char *path, const words_t *t, const hit_t *h,
                              cnd_ident_cat_t cat, const char *what, const char *harm,
                              const char *instead)
{
    size_t a = t->at[h->from], b = t->at[h->to - 1] + t->len[h->to - 1];
    cnd_err_set(err, "%s: '%.*s' would collect identifying data (%s): %s; %s", path,
                (int)(b - a > 60 ? 60 : b - a), t->buf + a, what, harm, instead);
    return cat;
}

static cnd_ident_cat_t refuse_rule(cnd_err_t *err, const char *path, const words_t *t,
                                   const hit_t *h, const ident_rule_t *r)
{
    return refuse(err, path, t, h, r->cat, r->what, r->harm, r->instead);
}

/* The item's kind: a free-text, media, position or date kind is refused. */
static cnd_ident_cat_t check_kind(const char *kind, const char *path, cnd_err_t *err)
{
    char norm[64], p[96];
    size_t k;
    const char *const *name;
    if (kind == NULL)
        return CND_IDENT_NONE;
    cnd_ident_normalise(kind, norm, sizeof norm);
    for (k = 0; k < sizeof kind_rules / sizeof kind_rules[0]; k++)
        for (name = kind_rules[k].kinds; *name != NULL; name++)
            if (strcmp(norm, *name) == 0) {
                snprintf(p, sizeof p, "%s.kind", path);
                cnd_err_set(err, "%s: '%.40s' would collect identifying data (%s): %s; %s", p, kind,
                            kind_rules[k].what, kind_rules[k].harm, kind_rules[k].instead);
                return kind_rules[k].cat;
            }
    return CND_IDENT_NONE;
}

typedef enum { FIELD_NAME, FIELD_TEXT, FIELD_TAG } field_t;

/*
 * One item name, label or hint text, or tag, against every rule:
 *  - a name that IS a datum, on any kind;
 *  - on items that carry a value: a name ending with a datum, a text that
 *    asks for one, a tag naming one;
 *  - on numbers that are not counts: a name or text mentioning one.
 */
static cnd_ident_cat_t check_field(const char *text, field_t field, carries_t carries, int count,
                                   int preset, const char *path, cnd_err_t *err)
{
    words_t t;
    hit_t h;
    size_t i;
    int found;
    if (text == NULL || (carries == CARRIES_NOTHING && field != FIELD_NAME))
        return CND_IDENT_NONE;
    words_of(text, &t);
    for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const ident_rule_t *r = &rules[i];
        if (preset && r->cat == CND_IDENT_LOCATION)
            continue;
        if (field == FIELD_NAME && is_whole_value(&t, r)) {
            /* Quote the name as written, as the author knows it. */
            cnd_err_set(err, "%s: '%.40s' would collect identifying data (%s): %s; %s", path, text,
                        r->what, r->harm, r->instead);
            return r->cat;
        }
        if (carries == CARRIES_NOTHING)
            continue;
        found = field == FIELD_NAME  ? ends_with_value(&t, r, &h)
                : field == FIELD_TAG ? find_anywhere(&t, r->values, &h)
                                     : find_anywhere(&t, r->asks, &h) || find_asked(&t, r, &h) ||
                                           find_at_start(&t, r, &h);
        if (!found && field != FIELD_TAG && carries == CARRIES_NUMBER && !count)
            found = find_anywhere(&t, r->values, &h) || find_anywhere(&t, r->numbers, &h) ||
                    (field == FIELD_TEXT && find_anywhere(&t, r->said, &h));
        if (found)
            return refuse_rule(err, path, &t, &h, r);
    }
    return CND_IDENT_NONE;
}

static const char *string_field(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer item is a count when it has labels and every one of them
 * asks "how many" in its language. */
static int is_count(const cJSON *label)
{
    words_t t;
    const cJSON *e;
    hit_t h;
    int n = 0;
    cJSON_ArrayForEach(e, label)
    {
        if (!cJSON_IsString(e))
            continue;
        words_of(e->valuestring, &t);
        if (!find_anywhere(&t, counts, &h))
            return 0;
        n++;
    }
    return n > 0;
}

/* Every text of a label or hint map, each with its own path. */
static cnd_ident_cat_t check_texts(const cJSON *map, const char *path, const char *key,
                                   carries_t carries, int count, int preset, cnd_err_t *err)
{
    const cJSON *e;
    char p[128];
    cnd_ident_cat_t cat;
    if (!cJSON_IsObject(map))
        return CND_IDENT_NONE;
    cJSON_ArrayForEach(e, map)
    {
        if (!cJSON_IsString(e))
            continue;
        snprintf(p, sizeof p, "%s.%s.%.16s", path, key, e->string);
        if ((cat = check_field(e->valuestring, FIELD_TEXT, carries, count, preset, p, err)) !=
            CND_IDENT_NONE)
            return cat;
    }
    return CND_IDENT_NONE;
}

/* ------------------------------------------------ ranges and choice lists */

/* 1 if a label of the item (in any language) says what the number
 * measures. */
static int explains_itself(const cJSON *label)
{
    words_t t;
    const cJSON *e;
    hit_t h;
    cJSON_ArrayForEach(e, label)
    {
        if (!cJSON_IsString(e))
            continue;
        words_of(e->valuestring, &t);
        if (find_anywhere(&t, measures, &h))
            return 1;
    }
    return 0;
}

#define RANGE_WIDE_SPAN 200 /* ages, hours in a week (168), days in a year fit */

/* An integer's range: a year (1900..2100), a run of digits (0..99, 0..999,
 * 0..9999 ...) or a span wider than RANGE_WIDE_SPAN can carry a birth
 * year, the last digits of a phone or passport number or a code; refused
 * unless a label says what is measured. */
static cnd_ident_cat_t check_range(const cJSON *item, const char *path, cnd_err_t *err)
{
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(item, "min");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(item, "max");
    const char *why = NULL;
    double a, b, p;
    if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi))
        return CND_IDENT_NONE; /* compile.c refuses them */
    a = lo->valuedouble;
    b = hi->valuedouble;
    for (p = 100; p <= 1e9 && why == NULL; p *= 10)
        if (a == 0 && b == p - 1)
            why = "a run of digits (the last digits of a phone or document number)";
    if (why == NULL && b >= 1900 && a <= 2100)
        why = "a year (a birth year)";
    if (why == NULL && b - a > RANGE_WIDE_SPAN)
        why = "a code (a number that wide)";
    if (why == NULL || explains_itself(cJSON_GetObjectItemCaseSensitive(item, "label")))
        return CND_IDENT_NONE;
    cnd_err_set(err,
                "%s.max: range %.0f..%.0f would collect identifying data (%s): a number like "
                "that can single out one person; narrow it to what is measured (an age in "
                "years, hours, a count) and say so in the label (\"how many ...\", \"age\")",
                path, a, b, why);
    return CND_IDENT_BIRTH;
}

/* Given names common among domestic workers and employers (English,
 * Spanish, Portuguese, Tagalog usage): a choice list of these is a list of
 * people. */
static const char *const given_names[] = {
    "maria|ana|jose|juan|luis|carlos|carmen|lucia|sofia|isabel|elena|marta|laura|patricia|"
    "juana|teresa|josefa|pedro|miguel|antonio|manuel|francisco|jesus|david|daniel|jorge|alberto|"
    "fernando|ricardo|mario|pablo|raul|sergio|javier|andres|diego|alejandro|gabriela|andrea|"
    "veronica|claudia|monica|silvia|paula|sara|julia|angela|beatriz|cristina|adriana|daniela|"
    "valentina|camila|mariana|fatima|aisha|amina|mary|john|james|robert|michael|william|richard|"
    "joseph|thomas|charles|linda|barbara|elizabeth|jennifer|susan|jessica|sarah|karen|nancy|lisa|"
    "betty|margaret|sandra|ashley|emily|donna|michelle|carol|amanda|melissa|deborah|stephanie|"
    "rebecca|helen|anna|ruth|esther|jane|peter|paul|"
    "george|kevin|brian|edward|ronald|anthony|maricel|marites|jocelyn|rowena|analyn|lorna|"
    "marilou|rosario|remedios|guadalupe|mercedes|ines|joao|antonia|francisca|raimunda|priya|"
    "lakshmi|siti|dewi",
    NULL};
/* Words that make a choice a street, and a family or household. */
static const char *const street_marks[] = {
    "street|st|road|rd|avenue|ave|av|lane|ln|boulevard|blvd|drive|alley|calle|avenida|avda|"
    "jiron|carrera|cra|paseo|camino|carretera|pasaje|rua|callejon|plaza|travesia|ronda|"
    "calzada|diagonal|transversal",
    NULL};
static const char *const family_marks[] = {
    "family|families|household|familia|familias|casa|hogar|mr|mrs|ms|miss|sr|sra|srta|senor|"
    "senora|senorita|don|dona|los|las",
    NULL};

/* 1 if the UTF-8 word at s starts with an upper-case letter (ASCII or
 * Latin-1 upper case, U+00C0..U+00DE). */
static int capitalised(const unsigned char *s)
{
    return (s[0] >= 'A' && s[0] <= 'Z') ||
           (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0x9E && s[1] != 0x97);
}

/* How many words of the raw label start with a capital letter or a digit,
 * not counting its first word. */
static int proper_words(const char *raw)
{
    const unsigned char *s = (const unsigned char *)raw;
    int n = 0, first = 1;
    while (*s != '\0') {
        while (*s == ' ' || *s == ',' || *s == '.' || *s == '-' || *s == '(')
            s++;
        if (*s == '\0')
            break;
        if (!first && (capitalised(s) || (*s >= '0' && *s <= '9')))
            n++;
        first = 0;
        while (*s != '\0' && *s != ' ' && *s != ',' && *s != '-' && *s != '(')
            s++;
    }
    return n;
}

typedef enum { LIST_NONE, LIST_NAMES, LIST_STREETS, LIST_FAMILIES } list_kind_t;

static list_kind_t choice_kind(const char *raw)
{
    words_t t;
    hit_t h;
    size_t end;
    if (raw == NULL)
        return LIST_NONE;
    words_of(raw, &t);
    if (t.n == 0)
        return LIST_NONE;
    if (find_anywhere(&t, street_marks, &h) && proper_words(raw) > 0)
        return LIST_STREETS;
    if (find_anywhere(&t, family_marks, &h) && proper_words(raw) > 0)
        return LIST_FAMILIES;
    if (t.n <= 3 && capitalised((const unsigned char *)raw) && match_list(&t, 0, given_names, &end))
        return LIST_NAMES;
    return LIST_NONE;
}

/* A single or multiple item whose choices are themselves people's names,
 * streets or employer families collects them, whatever its question says:
 * two such choices make the list one. */
static cnd_ident_cat_t check_choice_list(const cJSON *item, const char *path, cnd_err_t *err)
{
    static const struct {
        cnd_ident_cat_t cat;
        const char *what, *harm;
    } lists[] = {
        {CND_IDENT_NONE, NULL, NULL},
        {CND_IDENT_NAMES, "a list of people's names",
         "choosing a name from a list records that name as surely as typing it"},
        {CND_IDENT_ADDRESS, "a list of streets",
         "a street narrows the respondents down to a few households"},
        {CND_IDENT_EMPLOYER, "a list of employer families or households",
         "naming the household points to the worker in it"},
    };
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(item, "choices"), *c, *l;
    int count[4] = {0, 0, 0, 0}, i = 0;
    if (!cJSON_IsArray(choices))
        return CND_IDENT_NONE;
    cJSON_ArrayForEach(c, choices)
    {
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(c, "label");
        if (cJSON_IsObject(label))
            cJSON_ArrayForEach(l, label)
            {
                list_kind_t k = cJSON_IsString(l) ? choice_kind(l->valuestring) : LIST_NONE;
                if (k != LIST_NONE && ++count[k] >= 2) {
                    cnd_err_set(err,
                                "%s.choices[%d].label.%.16s: '%.60s' would collect identifying "
                                "data (%s): %s; offer categories instead (e.g. 'a family' / 'an "
                                "agency', 'this area' / 'another region')",
                                path, i, l->string, l->valuestring, lists[k].what, lists[k].harm);
                    return lists[k].cat;
                }
                if (k != LIST_NONE)
                    break; /* one count per choice, whatever its languages */
            }
        i++;
    }
    return CND_IDENT_NONE;
}

cnd_ident_cat_t cnd_ident_check_item(const cJSON *item, const char *path, cnd_err_t *err)
{
    const char *kind = string_field(item, "kind");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(item, "label");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(item, "tags"), *e;
    carries_t carries = carries_of(kind);
    int preset = string_field(item, "preset") != NULL;
    int count = carries == CARRIES_NUMBER && cJSON_IsObject(label) && is_count(label);
    cnd_ident_cat_t cat;
    char p[96];
    int i = 0;

    if (!cJSON_IsObject(item))
        return CND_IDENT_NONE;
    snprintf(p, sizeof p, "%s.name", path);
    if ((cat = check_kind(kind, path, err)) != CND_IDENT_NONE ||
        (cat = check_field(string_field(item, "name"), FIELD_NAME, carries, count, preset, p,
                           err)) != CND_IDENT_NONE ||
        (cat = check_texts(label, path, "label", carries, count, preset, err)) != CND_IDENT_NONE ||
        (cat = check_texts(cJSON_GetObjectItemCaseSensitive(item, "hint"), path, "hint", carries,
                           count, preset, err)) != CND_IDENT_NONE)
        return cat;
    if (cJSON_IsArray(tags))
        cJSON_ArrayForEach(e, tags)
        {
            snprintf(p, sizeof p, "%s.tags[%d]", path, i++);
            if (cJSON_IsString(e) && (cat = check_field(e->valuestring, FIELD_TAG, carries, 0,
                                                        preset, p, err)) != CND_IDENT_NONE)
                return cat;
        }
    if (carries == CARRIES_NUMBER)
        return check_range(item, path, err);
    if (carries == CARRIES_CHOICE && !preset)
        return check_choice_list(item, path, err);
    return CND_IDENT_NONE;
}

/* ------------------------------------------------------------- presets */

const cnd_preset_t *cnd_preset_find(const char *name)
{
    size_t i;
    for (i = 0; name != NULL && i < cnd_preset_count; i++)
        if (strcmp(cnd_presets[i].name, name) == 0)
            return &cnd_presets[i];
    return NULL;
}

static void preset_names(char *out, size_t cap)
{
    size_t i, n = 0;
    out[0] = '\0';
    for (i = 0; i < cnd_preset_count && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", cnd_presets[i].name);
}

/* The preset's choices restricted to the survey's languages, as a
 * "choices" array compile.c reads like an author's own. NULL after err. */
static cJSON *preset_choices(const cnd_preset_t *ps, const char *const *langs, int n_langs,
                             const char *path, cnd_err_t *err)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)ps->json, ps->len), *out, *e;
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(doc, "choices");
    int l, ok = cJSON_IsArray(choices);

    out = cJSON_CreateArray();
    if (!ok || out == NULL) {
        cnd_err_set(err,
                    "%s.preset: the built-in preset '%s' is not a valid preset file; "
                    "fix surveys/presets/%s.json and rebuild candor",
                    path, ps->name, ps->name);
        ok = 0;
    }
    if (!ok)
        choices = NULL;
    cJSON_ArrayForEach(e, choices)
    {
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(e, "label");
        const char *name = string_field(e, "name");
        cJSON *ch = cJSON_CreateObject(), *lab;
        if (ch == NULL || !cJSON_AddItemToArray(out, ch) ||
            cJSON_AddStringToObject(ch, "name", name ? name : "") == NULL ||
            (lab = cJSON_AddObjectToObject(ch, "label")) == NULL) {
            cnd_err_set(err, "out of memory expanding preset '%s'", ps->name);
            ok = 0;
            break;
        }
        for (l = 0; ok && l < n_langs; l++) {
            const char *text = string_field(label, langs[l]);
            if (text == NULL) {
                cnd_err_set(err,
                            "%s.preset: preset '%s' has no '%s' labels; add them to "
                            "surveys/presets/%s.json and rebuild candor, or use another preset",
                            path, ps->name, langs[l], ps->name);
                ok = 0;
            } else if (cJSON_AddStringToObject(lab, langs[l], text) == NULL) {
                cnd_err_set(err, "out of memory expanding preset '%s'", ps->name);
                ok = 0;
            }
        }
        if (!ok)
            break;
    }
    cJSON_Delete(doc);
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* Replaces "preset" by its choices (keeping the key, see identifying.h). */
static int expand_preset(cJSON *item, const char *const *langs, int n_langs, const char *path,
                         cnd_err_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "preset");
    const char *kind = string_field(item, "kind");
    const cnd_preset_t *ps;
    char names[256];
    cJSON *choices;

    if (v == NULL)
        return 1;
    preset_names(names, sizeof names);
    if (!cJSON_IsString(v) || (ps = cnd_preset_find(v->valuestring)) == NULL) {
        cnd_err_set(err,
                    "%s.preset: %s%.40s%s is not a preset list; the lists built into candor "
                    "are: %s (surveys/presets/)",
                    path, cJSON_IsString(v) ? "'" : "", cJSON_IsString(v) ? v->valuestring : "this",
                    cJSON_IsString(v) ? "'" : "", names);
        return 0;
    }
    if (kind == NULL || strcmp(kind, "single") != 0) {
        cnd_err_set(err,
                    "%s.preset: a preset list needs \"kind\": \"single\" (one coarse region per "
                    "respondent; several regions together narrow a person down)",
                    path);
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(item, "choices") != NULL) {
        cnd_err_set(err,
                    "%s.choices: not allowed with \"preset\" (the preset list gives the "
                    "choices)",
                    path);
        return 0;
    }
    if ((choices = preset_choices(ps, langs, n_langs, path, err)) == NULL)
        return 0;
    cJSON_AddItemToObject(item, "choices", choices);
    return 1;
}

int cnd_ident_check_source(cJSON *root, cnd_err_t *err)
{
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(root, "languages"), *l;
    cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items"), *item;
    const char *codes[CND_MAX_LANGS];
    int n_langs = 0, langs_ok = cJSON_IsArray(langs), i = 0;
    char path[32];

    if (!langs_ok)
        langs = NULL;
    cJSON_ArrayForEach(l, langs)
    {
        const char *code = string_field(l, "code");
        if (code == NULL || n_langs == CND_MAX_LANGS) {
            langs_ok = 0; /* compile.c explains what is wrong with them */
            break;
        }
        codes[n_langs++] = code;
    }
    if (!cJSON_IsArray(items))
        return 1;
    cJSON_ArrayForEach(item, items)
    {
        snprintf(path, sizeof path, "items[%d]", i++);
        if (!cJSON_IsObject(item))
            continue;
        /* Kind first: a "preset" on a free-text item gets the real reason. */
        if (check_kind(string_field(item, "kind"), path, err) != CND_IDENT_NONE)
            return 0;
        if (langs_ok && n_langs > 0 && !expand_preset(item, codes, n_langs, path, err))
            return 0;
        if (cnd_ident_check_item(item, path, err) != CND_IDENT_NONE)
            return 0;
        /* Judged as a preset item; from here on its choices are ordinary. */
        cJSON_DeleteItemFromObjectCaseSensitive(item, "preset");
    }
    return 1;
}
