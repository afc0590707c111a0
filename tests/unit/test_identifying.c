/* test_identifying.c: what a survey author meets when an item would collect
 * identifying data: a refusal naming the JSON path, the harm and what to ask
 * instead, in English and Spanish and whatever the accents and case; while
 * questions ABOUT a practice, counts, the default survey and the demo's
 * survey still compile, and location items work from the built-in presets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <dirent.h>

#include "compile.h"
#include "identifying.h"
#include "pack.h"
#include "test_key.h"

static cnd_err_t err;
static uint8_t out[CND_MAX_PACK_SIZE];
static size_t out_len;

/* Test JSON is written with ` for " so it stays readable in C. */
static char *dq(const char *s)
{
    char *d = strdup(s), *p;
    assert_non_null(d);
    for (p = d; *p; p++)
        if (*p == '`')
            *p = '"';
    return d;
}

static cnd_ident_cat_t judge(const char *item_bq)
{
    char *text = dq(item_bq);
    cJSON *item = cJSON_Parse(text);
    cnd_ident_cat_t cat;
    if (item == NULL)
        fail_msg("test item is not JSON: %s", text);
    memset(&err, 0, sizeof err);
    cat = cnd_ident_check_item(item, "items[0]", &err);
    cJSON_Delete(item);
    free(text);
    return cat;
}

#define CHOICES ",`choices`:[{`name`:`a`,`label`:{`en`:`A`,`es`:`A`}}]"
#define SINGLE(label) "{`name`:`q`,`kind`:`single`,`label`:" label CHOICES "}"
#define MULTI(label) "{`name`:`q`,`kind`:`multiple`,`label`:" label CHOICES "}"
#define INTEGER(label) "{`name`:`q`,`kind`:`integer`,`min`:0,`max`:9999,`label`:" label "}"
#define YESNO(label) "{`name`:`q`,`kind`:`yesno`,`label`:" label "}"

typedef struct {
    const char *item;
    cnd_ident_cat_t cat;
    const char *where; /* the message starts with this path and quote */
} refusal_t;

static void expect_refusals(const refusal_t *cases, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        cnd_ident_cat_t got = judge(cases[i].item);
        if (got != cases[i].cat)
            fail_msg("case %zu %s: category %s, expected %s (%s)", i, cases[i].item,
                     cnd_ident_cat_name(got), cnd_ident_cat_name(cases[i].cat), err.msg);
        if (strncmp(err.msg, cases[i].where, strlen(cases[i].where)) != 0)
            fail_msg("case %zu: message \"%s\" does not start with \"%s\"", i, err.msg,
                     cases[i].where);
        /* One whole line: the explanation is never cut off by the buffer. */
        assert_null(strchr(err.msg, '\n'));
        assert_true(strlen(err.msg) < sizeof err.msg - 1);
        assert_non_null(strstr(err.msg, "would collect identifying data ("));
    }
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void names_and_nicknames_are_refused_in_english_and_spanish(void **state)
{
    static const refusal_t cases[] = {
        {SINGLE("{`en`:`What is your name?`}"), CND_IDENT_NAMES,
         "items[0].label.en: 'what is your name'"},
        {SINGLE("{`en`:`Your mother's name`}"), CND_IDENT_NAMES, "items[0].label.en: 's name'"},
        {MULTI("{`en`:`Names of your children`}"), CND_IDENT_NAMES,
         "items[0].label.en: 'names of your children'"},
        {SINGLE("{`es`:`Nombre de su hermana`}"), CND_IDENT_NAMES,
         "items[0].label.es: 'nombre de su hermana'"},
        {SINGLE("{`en`:`What do people call you? (nickname)`}"), CND_IDENT_NAMES,
         "items[0].label.en: 'what do people call you'"},
        {SINGLE("{`es`:`¿Cuál es su NOMBRE completo?`}"), CND_IDENT_NAMES,
         "items[0].label.es: 'cual es su nombre'"},
        {SINGLE("{`es`:`cual es su nombre`}"), CND_IDENT_NAMES,
         "items[0].label.es: 'cual es su nombre'"},
        {SINGLE("{`es`:`¿Cómo se llama su hermana?`}"), CND_IDENT_NAMES,
         "items[0].label.es: 'como se llama'"},
        {SINGLE("{`es`:`Apodo`}"), CND_IDENT_NAMES, "items[0].label.es: 'apodo'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
}

static void phone_numbers_and_contacts_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {INTEGER("{`en`:`Last four digits of your mobile number`}"), CND_IDENT_CONTACT,
         "items[0].label.en: 'mobile number'"},
        {SINGLE("{`en`:`What's your phone number?`}"), CND_IDENT_CONTACT,
         "items[0].label.en: 'what s your phone number'"},
        {SINGLE("{`en`:`How can we contact you later?`}"), CND_IDENT_CONTACT,
         "items[0].label.en: 'how can we contact you'"},
        {SINGLE("{`en`:`Your Facebook or Instagram`}"), CND_IDENT_CONTACT,
         "items[0].label.en: 'your facebook'"},
        {SINGLE("{`en`:`E-mail`}"), CND_IDENT_CONTACT, "items[0].label.en: 'e mail'"},
        {SINGLE("{`es`:`¿Cuál es su número de teléfono?`}"), CND_IDENT_CONTACT,
         "items[0].label.es: 'cual es su numero de telefono'"},
        {SINGLE("{`es`:`NÚMERO DE CELULAR`}"), CND_IDENT_CONTACT,
         "items[0].label.es: 'numero de celular'"},
        {SINGLE("{`es`:`Correo electrónico`}"), CND_IDENT_CONTACT,
         "items[0].label.es: 'correo electronico'"},
        {INTEGER("{`es`:`Los últimos dígitos de su WhatsApp`}"), CND_IDENT_CONTACT,
         "items[0].label.es: 'whatsapp'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
}

static void addresses_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {INTEGER("{`en`:`Postcode`}"), CND_IDENT_ADDRESS, "items[0].label.en: 'postcode'"},
        {INTEGER("{`en`:`Your house number`}"), CND_IDENT_ADDRESS,
         "items[0].label.en: 'your house number'"},
        {SINGLE("{`en`:`What is your address?`}"), CND_IDENT_ADDRESS,
         "items[0].label.en: 'what is your address'"},
        {SINGLE("{`en`:`Which street do you work in?`}"), CND_IDENT_ADDRESS,
         "items[0].label.en: 'which street'"},
        {SINGLE("{`es`:`¿Cuál es su dirección?`}"), CND_IDENT_ADDRESS,
         "items[0].label.es: 'cual es su direccion'"},
        {INTEGER("{`es`:`Número de la casa`}"), CND_IDENT_ADDRESS,
         "items[0].label.es: 'numero de la casa'"},
        {SINGLE("{`es`:`¿Dónde exactamente vive?`}"), CND_IDENT_ADDRESS,
         "items[0].label.es: 'donde exactamente'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
}

static void employer_and_agency_names_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {SINGLE("{`en`:`Which agency recruited you?`}"), CND_IDENT_EMPLOYER,
         "items[0].label.en: 'which agency'"},
        {SINGLE("{`en`:`Name of your employer`}"), CND_IDENT_EMPLOYER,
         "items[0].label.en: 'name of your employer'"},
        {SINGLE("{`en`:`What is the employer's name?`}"), CND_IDENT_EMPLOYER,
         "items[0].label.en: 'what is the employer s name'"},
        {SINGLE("{`en`:`What recruitment agency brought you here?`}"), CND_IDENT_EMPLOYER,
         "items[0].label.en: 'what recruitment agency'"},
        {SINGLE("{`es`:`¿Cómo se llama su empleadora?`}"), CND_IDENT_EMPLOYER,
         "items[0].label.es: 'como se llama su empleadora'"},
        {SINGLE("{`es`:`¿QUÉ EMPRESA le contrató?`}"), CND_IDENT_EMPLOYER,
         "items[0].label.es: 'que empresa'"},
        {SINGLE("{`es`:`Nombre de la agencia`}"), CND_IDENT_EMPLOYER,
         "items[0].label.es: 'nombre de la agencia'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
}

static void document_numbers_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {SINGLE("{`en`:`What is your passport number?`}"), CND_IDENT_DOCUMENT,
         "items[0].label.en: 'what is your passport number'"},
        {INTEGER("{`en`:`Your national ID number`}"), CND_IDENT_DOCUMENT,
         "items[0].label.en: 'your national id'"},
        {INTEGER("{`en`:`Visa number`}"), CND_IDENT_DOCUMENT, "items[0].label.en: 'visa number'"},
        {INTEGER("{`en`:`The digits of your work permit`}"), CND_IDENT_DOCUMENT,
         "items[0].label.en: 'digits of your work permit'"},
        {INTEGER("{`en`:`Last two digits of the code on your card`}"), CND_IDENT_DOCUMENT,
         "items[0].label.en: 'digits'"},
        {SINGLE("{`es`:`¿Cuál es su número de pasaporte?`}"), CND_IDENT_DOCUMENT,
         "items[0].label.es: 'cual es su numero de pasaporte'"},
        {INTEGER("{`es`:`Últimos dígitos de su cédula`}"), CND_IDENT_DOCUMENT,
         "items[0].label.es: 'digitos de su cedula'"},
        /* The documented price of form-field detection (docs/DESIGN.md):
         * a question that starts like a form field is refused too. */
        {SINGLE("{`en`:`Your passport number is with the employer`}"), CND_IDENT_DOCUMENT,
         "items[0].label.en: 'your passport number'"},
        {SINGLE("{`es`:`Nº de permiso de residencia`}"), CND_IDENT_DOCUMENT,
         "items[0].label.es: 'no de permiso'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
}

static void exact_dates_of_birth_are_refused_but_ages_are_not(void **state)
{
    static const refusal_t cases[] = {
        {INTEGER("{`en`:`Year of birth`}"), CND_IDENT_BIRTH, "items[0].label.en: 'year of birth'"},
        {INTEGER("{`en`:`Day of the month you were born`}"), CND_IDENT_BIRTH,
         "items[0].label.en: 'born'"},
        {SINGLE("{`en`:`When were you born?`}"), CND_IDENT_BIRTH,
         "items[0].label.en: 'when were you born'"},
        {SINGLE("{`en`:`Birthday month`}"), CND_IDENT_BIRTH, "items[0].label.en: 'birthday'"},
        {SINGLE("{`es`:`Fecha de nacimiento`}"), CND_IDENT_BIRTH,
         "items[0].label.es: 'fecha de nacimiento'"},
        {INTEGER("{`es`:`¿En qué año nació?`}"), CND_IDENT_BIRTH,
         "items[0].label.es: 'en que ano nacio'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
    assert_int_equal(judge("{`name`:`age`,`kind`:`integer`,`min`:14,`max`:99,"
                           "`label`:{`en`:`Your age in years`,`es`:`Su edad en años`}}"),
                     CND_IDENT_NONE);
    assert_int_equal(judge(INTEGER("{`en`:`How old are you?`,`es`:`¿Cuántos años tiene?`}")),
                     CND_IDENT_NONE);
    assert_int_equal(judge(SINGLE("{`en`:`Your age group`,`es`:`Su grupo de edad`}")),
                     CND_IDENT_NONE);
}

static void places_finer_than_a_preset_region_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {SINGLE("{`en`:`Which village are you from?`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'which village'"},
        {SINGLE("{`en`:`In what neighborhood do you work?`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'what neighborhood'"},
        {SINGLE("{`en`:`Your location`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'your location'"},
        {INTEGER("{`en`:`GPS latitude (degrees)`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'gps'"},
        {SINGLE("{`es`:`¿En qué barrio vive?`}"), CND_IDENT_LOCATION,
         "items[0].label.es: 'que barrio'"},
        {SINGLE("{`es`:`¿De qué país viene?`}"), CND_IDENT_LOCATION,
         "items[0].label.es: 'que pais'"},
        {SINGLE("{`es`:`Ubicación`}"), CND_IDENT_LOCATION, "items[0].label.es: 'ubicacion'"},
        {SINGLE("{`en`:`Which part of the country are you from?`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'which part of the country'"},
        {SINGLE("{`es`:`¿De qué parte del país viene?`}"), CND_IDENT_LOCATION,
         "items[0].label.es: 'que parte del pais'"},
        /* Asking for a region without a preset list: the author's own
         * "regions" could be anything. */
        {SINGLE("{`en`:`Which region do you come from?`}"), CND_IDENT_LOCATION,
         "items[0].label.en: 'which region'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
    /* The same question from a preset list is what the rule asks for. */
    assert_int_equal(judge("{`name`:`q`,`kind`:`single`,`preset`:`world-regions`,"
                           "`label`:{`en`:`Which region do you come from?`}}"),
                     CND_IDENT_NONE);
}

static void free_text_media_position_and_date_kinds_are_refused(void **state)
{
    static const refusal_t cases[] = {
        {"{`name`:`q`,`kind`:`text`,`label`:{`en`:`Q`}}", CND_IDENT_FREE_TEXT,
         "items[0].kind: 'text' would collect identifying data (free text)"},
        {"{`name`:`q`,`kind`:`string`,`label`:{`en`:`Q`}}", CND_IDENT_FREE_TEXT,
         "items[0].kind: 'string'"},
        {"{`name`:`q`,`kind`:`note-with-input`,`label`:{`en`:`Q`}}", CND_IDENT_FREE_TEXT,
         "items[0].kind: 'note-with-input'"},
        {"{`name`:`q`,`kind`:`Note_With_Input`,`label`:{`en`:`Q`}}", CND_IDENT_FREE_TEXT,
         "items[0].kind: 'Note_With_Input'"},
        {"{`name`:`q`,`kind`:`textarea`,`label`:{`en`:`Q`}}", CND_IDENT_FREE_TEXT,
         "items[0].kind: 'textarea'"},
        {"{`name`:`q`,`kind`:`photo`,`label`:{`en`:`Q`}}", CND_IDENT_IMAGE,
         "items[0].kind: 'photo'"},
        {"{`name`:`q`,`kind`:`geopoint`,`label`:{`en`:`Q`}}", CND_IDENT_LOCATION,
         "items[0].kind: 'geopoint'"},
        {"{`name`:`q`,`kind`:`date`,`label`:{`en`:`Q`}}", CND_IDENT_BIRTH, "items[0].kind: 'date'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
    assert_non_null(strstr(err.msg, "age band"));
}

static void item_names_and_tags_that_name_a_datum_are_refused(void **state)
{
    static const refusal_t cases[] = {
        /* An item named after a datum, whatever its kind. */
        {"{`name`:`phone`,`kind`:`yesno`,`label`:{`en`:`Q`}}", CND_IDENT_CONTACT,
         "items[0].name: 'phone'"},
        {"{`name`:`date_of_birth`,`kind`:`info`,`label`:{`en`:`Q`}}", CND_IDENT_BIRTH,
         "items[0].name: 'date_of_birth'"},
        {"{`name`:`photo`,`kind`:`info`,`label`:{`en`:`Q`}}", CND_IDENT_IMAGE,
         "items[0].name: 'photo'"},
        /* Ending in one, on an item that carries a value. */
        {"{`name`:`home_phone`,`kind`:`single`,`label`:{`en`:`Q`}" CHOICES "}", CND_IDENT_CONTACT,
         "items[0].name: 'phone'"},
        {"{`name`:`mother_name`,`kind`:`single`,`label`:{`en`:`Q`}" CHOICES "}", CND_IDENT_NAMES,
         "items[0].name: 'name'"},
        {"{`name`:`employer_name`,`kind`:`single`,`label`:{`en`:`Q`}" CHOICES "}",
         CND_IDENT_EMPLOYER, "items[0].name: 'employer_name'"},
        /* Containing one, on a number. */
        {"{`name`:`passport_no_digits`,`kind`:`integer`,`min`:0,`max`:9,`label`:{`en`:`Q`}}",
         CND_IDENT_DOCUMENT, "items[0].name: 'passport no'"},
        /* A tag that says what the item collects. */
        {"{`name`:`q`,`kind`:`single`,`tags`:[`QI`,`PII:phone`],`label`:{`en`:`Q`}" CHOICES "}",
         CND_IDENT_CONTACT, "items[0].tags[1]: 'phone'"},
        {"{`name`:`q`,`kind`:`single`,`tags`:[`location`],`label`:{`en`:`Q`}" CHOICES "}",
         CND_IDENT_LOCATION, "items[0].tags[0]: 'location'"},
    };
    (void)state;
    expect_refusals(cases, N_OF(cases));
    /* A yes/no question cannot carry the datum: its tags and a name that
     * merely mentions one are fine. */
    assert_int_equal(
        judge("{`name`:`has_phone`,`kind`:`yesno`,`tags`:[`phone`],`label`:{`en`:`Q`}}"),
        CND_IDENT_NONE);
    assert_int_equal(judge("{`name`:`q`,`kind`:`single`,`tags`:[`ILO:retention_of_documents`,"
                           "`C189:Art.9`,`COE`],`label`:{`en`:`Q`}" CHOICES "}"),
                     CND_IDENT_NONE);
}

static void questions_about_a_practice_counts_and_yes_no_items_pass(void **state)
{
    static const char *const ok[] = {
        SINGLE("{`en`:`Who keeps your passport or ID?`,"
               "`es`:`¿Quién guarda su pasaporte o documento de identidad?`}"),
        SINGLE("{`en`:`Do you owe the employer or an agent money that you must work off?`,"
               "`es`:`¿Le debe dinero al empleador o a una agencia que tiene que pagar con "
               "trabajo?`}"),
        /* Spanish "que" before a determiner is a relative clause. */
        SINGLE("{`es`:`¿Le dijeron que su empleador le pagaría cada mes?`}"),
        SINGLE("{`en`:`Did the agency take your documents?`}"),
        SINGLE("{`en`:`Can you contact your family or friends freely?`,"
               "`es`:`¿Puede comunicarse libremente con su familia o sus amistades?`}"),
        SINGLE("{`en`:`Where do you live?`,`es`:`¿Dónde vive?`}"),
        SINGLE("{`en`:`Where did you come from for this job?`,"
               "`es`:`¿De dónde vino para este trabajo?`}"),
        SINGLE("{`en`:`What turned out different from what you were promised?`}"),
        SINGLE("{`en`:`Where do you sleep?`}"),
        /* Possessives and names of things are not asked-for names. */
        SINGLE("{`en`:`What is your employer's attitude when you are sick?`}"),
        SINGLE("{`en`:`Which country's embassy could you contact?`}"),
        SINGLE("{`en`:`What was the name of the job on your contract?`,"
               "`es`:`¿Cuál era el nombre del puesto en su contrato?`}"),
        SINGLE("{`en`:`What part of your pay is held back?`,"
               "`es`:`¿Qué parte de su salario le retienen?`}"),
        YESNO("{`en`:`Was your phone taken from you?`,`es`:`¿Le quitaron el teléfono?`}"),
        YESNO("{`en`:`Is your real name on the contract?`}"),
        YESNO("{`en`:`Do you know your employer's address?`}"),
        INTEGER("{`en`:`How many times was your phone taken?`,"
                "`es`:`¿Cuántas veces le quitaron el teléfono?`}"),
        INTEGER("{`en`:`How many employers have you had?`,"
                "`es`:`¿Cuántos empleadores ha tenido?`}"),
        INTEGER("{`en`:`Days off in a usual week`,`es`:`Días libres en una semana normal`}"),
        INTEGER("{`en`:`Days worked for the agency's client last week`}"),
        "{`name`:`intro`,`kind`:`info`,`label`:{`en`:`We never ask your name, phone number or "
        "address.`}}",
    };
    size_t i;
    (void)state;
    for (i = 0; i < N_OF(ok); i++)
        if (judge(ok[i]) != CND_IDENT_NONE)
            fail_msg("refused %s: %s", ok[i], err.msg);
}

static void normalising_folds_case_accents_and_punctuation(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"¿Cuál es su NÚMERO de teléfono?", "cual es su numero de telefono"},
        {"employer\xe2\x80\x99s name", "employer s name"},
        {"Straße Nº 5", "strasse no 5"},
        {"  __Date_of_Birth__ ", "date of birth"},
        {"Łódź, Ñandú, Ærø", "lodz nandu aero"},
        {"Ça va? Über-Größe", "ca va uber grosse"},
        {"телефон номер", "телефон номер"},
        {"", ""},
    };
    char buf[128];
    size_t i;
    (void)state;
    for (i = 0; i < N_OF(cases); i++) {
        size_t n = cnd_ident_normalise(cases[i].in, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
    /* Too long: cut at a word, never mid-word. */
    assert_int_equal(cnd_ident_normalise("hello wonderful world", buf, 12), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(cnd_ident_normalise("hello", buf, 1), 0);
    assert_string_equal(buf, "");
}

/* ------------------------------------------------------------ presets */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    assert_non_null(f);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void presets_are_built_in_exactly_as_the_files_say(void **state)
{
    DIR *d = opendir(CND_SOURCE_DIR "/surveys/presets");
    struct dirent *e;
    size_t files = 0, i;
    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), len;
        char name[256], path[512];
        const cnd_preset_t *ps;
        char *text;
        if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
        snprintf(path, sizeof path, CND_SOURCE_DIR "/surveys/presets/%s", e->d_name);
        ps = cnd_preset_find(name);
        if (ps == NULL)
            fail_msg("surveys/presets/%s is not built into candor", e->d_name);
        text = read_all(path, &len);
        assert_int_equal(ps->len, len);
        assert_memory_equal(ps->json, text, len);
        free(text);
        files++;
    }
    closedir(d);
    assert_true(files >= 2);
    assert_int_equal(cnd_preset_count, files);
    assert_null(cnd_preset_find("atlantis"));

    /* The editor schema offers exactly the built-in names. */
    {
        size_t len;
        char *text = read_all(CND_SOURCE_DIR "/formats/schema/survey.schema.json", &len);
        cJSON *schema = cJSON_Parse(text);
        const cJSON *names = cJSON_GetObjectItem(
            cJSON_GetObjectItem(
                cJSON_GetObjectItem(
                    cJSON_GetObjectItem(cJSON_GetObjectItem(schema, "$defs"), "item"),
                    "properties"),
                "preset"),
            "enum");
        assert_int_equal(cJSON_GetArraySize(names), cnd_preset_count);
        for (i = 0; i < cnd_preset_count; i++)
            assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(names, (int)i)),
                                cnd_presets[i].name);
        cJSON_Delete(schema);
        free(text);
    }

    /* Every preset is a usable list: 2..32 distinct valid names, English
     * and Spanish labels (the default survey's languages). */
    for (i = 0; i < cnd_preset_count; i++) {
        cJSON *doc = cJSON_ParseWithLength((const char *)cnd_presets[i].json, cnd_presets[i].len);
        const cJSON *choices = cJSON_GetObjectItem(doc, "choices"), *c, *c2;
        int n = cJSON_GetArraySize(choices);
        if (i > 0)
            assert_true(strcmp(cnd_presets[i - 1].name, cnd_presets[i].name) < 0);
        assert_non_null(doc);
        assert_true(n >= 2 && n <= CND_MAX_CHOICES);
        cJSON_ArrayForEach(c, choices)
        {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
            const cJSON *label = cJSON_GetObjectItem(c, "label");
            assert_non_null(name);
            assert_true(cnd_pack_name_ok(CND_NAME_IDENT, name, strlen(name)));
            assert_true(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(label, "en"))) > 0);
            assert_true(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(label, "es"))) > 0);
            for (c2 = choices->child; c2 != c; c2 = c2->next)
                assert_string_not_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c2, "name")),
                                        name);
        }
        cJSON_Delete(doc);
    }
}

#define HEAD(langs, texts)                                                                         \
    "{`id`:`t`,`version`:1,`languages`:[" langs "],`title`:" texts ",`consent`:" texts             \
    ",`referral`:" texts ",`items`:["
#define EN_ES "{`code`:`en`,`name`:`English`},{`code`:`es`,`name`:`Espanol`}"
#define EN_ES_TEXT "{`en`:`T`,`es`:`T`}"

static cnd_status_t compile_bq(const char *bq)
{
    char *text = dq(bq);
    cnd_status_t st;
    memset(&err, 0, sizeof err);
    out_len = 0;
    st = cnd_compile_json(text, strlen(text), cnd_test_office_key(), out, sizeof out, &out_len,
                          &err);
    free(text);
    return st;
}

static void assert_compile_error(const char *bq, const char *expect)
{
    if (compile_bq(bq) == CND_OK)
        fail_msg("compiled, but expected an error containing \"%s\"", expect);
    if (strstr(err.msg, expect) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, expect);
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(out_len, 0);
}

static void a_preset_item_compiles_to_the_preset_choices_in_the_survey_languages(void **state)
{
    const cnd_preset_t *ps = cnd_preset_find("world-regions");
    cJSON *doc;
    const cJSON *c;
    cnd_pack_t pk;
    cnd_item_t it;
    uint8_t k = 0;
    (void)state;
    assert_non_null(ps);
    assert_int_equal(
        compile_bq(HEAD(EN_ES, EN_ES_TEXT) "{`name`:`origin_region`,`kind`:`single`,"
                                           "`preset`:`world-regions`,`label`:{`en`:"
                                           "`Which region do you come from?`,`es`:`¿De "
                                           "qué región viene?`}}]}"),
        CND_OK);
    assert_int_equal(cnd_pack_open(&pk, out, (uint32_t)out_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, 0, &it), CND_OK);
    assert_int_equal(it.kind, CND_ITEM_SINGLE);
    doc = cJSON_ParseWithLength((const char *)ps->json, ps->len);
    assert_int_equal(it.n_choices, cJSON_GetArraySize(cJSON_GetObjectItem(doc, "choices")));
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "choices"))
    {
        const cJSON *label = cJSON_GetObjectItem(c, "label");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
        const char *en = cJSON_GetStringValue(cJSON_GetObjectItem(label, "en"));
        const char *es = cJSON_GetStringValue(cJSON_GetObjectItem(label, "es"));
        cnd_str_t s = cnd_pack_choice_name(&pk, 0, k);
        assert_int_equal(s.len, strlen(name));
        assert_memory_equal(s.ptr, name, s.len);
        s = cnd_pack_choice_label(&pk, 0, k, 0);
        assert_int_equal(s.len, strlen(en));
        assert_memory_equal(s.ptr, en, s.len);
        s = cnd_pack_choice_label(&pk, 0, k, 1);
        assert_int_equal(s.len, strlen(es));
        assert_memory_equal(s.ptr, es, s.len);
        k++;
    }
    cJSON_Delete(doc);

    /* The preset's languages must cover the survey's. */
    assert_compile_error(
        HEAD("{`code`:`fr`,`name`:`Francais`}", "{`fr`:`T`}") "{`name`:`r`,`kind`:`single`,"
                                                              "`preset`:`world-regions`,`label`:{`"
                                                              "fr`:`Region`}}],`ui`:{`fr`:{}}}",
        "items[0].preset: preset 'world-regions' has no 'fr' labels");
    assert_compile_error(HEAD(EN_ES, EN_ES_TEXT) "{`name`:`r`,`kind`:`single`,`preset`:`atlantis`,"
                                                 "`label`:" EN_ES_TEXT "}]}",
                         "items[0].preset: 'atlantis' is not a preset list; the lists built into "
                         "candor are: es-nuts1, world-regions");
    assert_compile_error(HEAD(EN_ES, EN_ES_TEXT) "{`name`:`r`,`kind`:`single`,`preset`:`es-nuts1`,"
                                                 "`label`:" EN_ES_TEXT CHOICES "}]}",
                         "items[0].choices: not allowed with \"preset\"");
    assert_compile_error(HEAD(EN_ES, EN_ES_TEXT) "{`name`:`r`,`kind`:`integer`,`min`:0,`max`:9,"
                                                 "`preset`:`es-nuts1`,`label`:" EN_ES_TEXT "}]}",
                         "items[0].preset: a preset list needs \"kind\": \"single\"");
    assert_compile_error(HEAD(EN_ES, EN_ES_TEXT) "{`name`:`r`,`kind`:`single`,`preset`:7,"
                                                 "`label`:" EN_ES_TEXT "}]}",
                         "items[0].preset: this is not a preset list");
    /* A refusal inside a whole source names the item's JSON path. */
    assert_compile_error(
        HEAD(EN_ES, EN_ES_TEXT) "{`name`:`ok`,`kind`:`yesno`,`label`:" EN_ES_TEXT
                                "}," SINGLE("{`en`:`Which town?`,`es`:`Pueblo`}") "]}",
        "items[1].label.en: 'which town' would collect identifying data (a place "
        "finer than a preset list of regions)");
}

/* ------------------------------------------------- the shipped surveys */

/* The survey files tools/demo.sh compiles (it names them literally on its
 * compile lines). */
static size_t demo_surveys(char paths[][256], size_t max)
{
    size_t len, n = 0;
    char *demo = read_all(CND_SOURCE_DIR "/tools/demo.sh", &len), *p = demo;
    while (n < max && (p = strstr(p, "surveys/")) != NULL) {
        size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-./");
        const char *line = p, *eol = strchr(p, '\n');
        size_t line_len;
        while (line > demo && line[-1] != '\n')
            line--;
        line_len = eol != NULL ? (size_t)(eol - line) : strlen(line);
        /* only what it compiles: `candor preview` also draws surveys with
         * more languages than a pack holds (surveys/examples/scripts.json) */
        if (k > 13 && strncmp(p + k - 5, ".json", 5) == 0 &&
            memmem(line, line_len, " compile ", 9) != NULL)
            snprintf(paths[n++], 256, "%s/%.*s", CND_SOURCE_DIR, (int)k, p);
        p += k;
    }
    free(demo);
    return n;
}

static void default_demo_and_test_surveys_still_compile(void **state)
{
    char paths[8][256];
    size_t n, i, len;
    char *text;
    cJSON *doc;
    const cJSON *item;
    (void)state;
    n = demo_surveys(paths, 6);
    assert_true(n >= 1);
    snprintf(paths[n++], 256, "%s", CND_SOURCE_DIR "/surveys/domestic-work.json");
    snprintf(paths[n++], 256, "%s", CND_SOURCE_DIR "/tests/powerloss/rest-days.json");
    for (i = 0; i < n; i++) {
        memset(&err, 0, sizeof err);
        if (cnd_compile_file(paths[i], cnd_test_office_key(), out, sizeof out, &out_len, &err) !=
            CND_OK)
            fail_msg("%s: %s", paths[i], err.msg);
    }
    /* And item by item, in case the compile stopped somewhere else. */
    text = read_all(CND_SOURCE_DIR "/surveys/domestic-work.json", &len);
    doc = cJSON_Parse(text);
    assert_non_null(doc);
    i = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "items"))
    {
        if (cnd_ident_check_item(item, "items[i]", &err) != CND_IDENT_NONE)
            fail_msg("default survey item %zu refused: %s", i, err.msg);
        i++;
    }
    assert_true(i >= 20);
    cJSON_Delete(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_nicknames_are_refused_in_english_and_spanish),
        cmocka_unit_test(phone_numbers_and_contacts_are_refused),
        cmocka_unit_test(addresses_are_refused),
        cmocka_unit_test(employer_and_agency_names_are_refused),
        cmocka_unit_test(document_numbers_are_refused),
        cmocka_unit_test(exact_dates_of_birth_are_refused_but_ages_are_not),
        cmocka_unit_test(places_finer_than_a_preset_region_are_refused),
        cmocka_unit_test(free_text_media_position_and_date_kinds_are_refused),
        cmocka_unit_test(item_names_and_tags_that_name_a_datum_are_refused),
        cmocka_unit_test(questions_about_a_practice_counts_and_yes_no_items_pass),
        cmocka_unit_test(normalising_folds_case_accents_and_punctuation),
        cmocka_unit_test(presets_are_built_in_exactly_as_the_files_say),
        cmocka_unit_test(a_preset_item_compiles_to_the_preset_choices_in_the_survey_languages),
        cmocka_unit_test(default_demo_and_test_surveys_still_compile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
