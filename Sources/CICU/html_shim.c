#include "CICU.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

typedef struct {
  char *bytes;
  size_t length;
  size_t capacity;
  int failed;
  /// Source line of each output line (one entry per line started), and the line of the node
  /// being written.
  int32_t *lines;
  size_t lineCount;
  size_t lineCapacity;
  int32_t currentLine;
  int tracksLines;
} Buffer;

/// Makes room for `needed` items of `size` bytes in the array `*items` of `*capacity`
/// items (growing it at least twofold); 0 when memory runs out (the array stays as it was).
static int reserve(void **items, size_t *capacity, size_t needed, size_t size) {
  if (needed <= *capacity) return 1;
  size_t grownCapacity = *capacity * 2 + needed + 32;
  void *grown = realloc(*items, grownCapacity * size);
  if (grown == NULL) return 0;
  *items = grown;
  *capacity = grownCapacity;
  return 1;
}

/// Records the source line of the output line that starts now.
static void start_line(Buffer *buffer) {
  if (buffer->failed) return;
  if (!reserve((void **)&buffer->lines, &buffer->lineCapacity, buffer->lineCount + 1, sizeof(int32_t))) {
    buffer->failed = 1;
    return;
  }
  buffer->lines[buffer->lineCount++] = buffer->currentLine;
}

static void append(Buffer *buffer, const char *bytes, size_t length) {
  if (buffer->failed || length == 0) return;
  // Output lines are never empty (newline() adds no second break), so the first byte written
  // after a break starts the next line.
  if (buffer->tracksLines && (buffer->length == 0 || buffer->bytes[buffer->length - 1] == '\n')) start_line(buffer);
  if (!reserve((void **)&buffer->bytes, &buffer->capacity, buffer->length + length + 1, 1)) {
    buffer->failed = 1;
    return;
  }
  memcpy(buffer->bytes + buffer->length, bytes, length);
  buffer->length += length;
  buffer->bytes[buffer->length] = 0;
}

static void newline(Buffer *buffer) {
  if (buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n') append(buffer, "\n", 1);
}

static const char *const dropped[] = {"script", "style", "noscript", "head", "template", "iframe", "select",
                                      "button", "nav", "header", "footer", "object", "svg", "form", NULL};
static const char *const blocks[] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt",
                                     "dd", "section", "article", "blockquote", "pre", "hr", "br", "table",
                                     "tbody", "thead", "tfoot", "caption", "center", "main", "aside", "address",
                                     "title", "body", NULL};
/// Words in a class or id that mark page chrome rather than the report.
static const char *const chromeWords[] = {"nav", "menu", "header", "footer", "top-bar", "topbar", "breadcrumb",
                                          "crumb", "position", "location", "share", "tools", "copyright",
                                          "bottom", "sidebar", "foot", NULL};

/// Whether an element's class or id names page chrome.
static int is_chrome(const xmlChar **attributes) {
  for (const xmlChar **attribute = attributes; attribute != NULL && attribute[0] != NULL; attribute += 2) {
    const xmlChar *value = attribute[1];
    if (value == NULL || (xmlStrcasecmp(attribute[0], (const xmlChar *)"class") != 0 &&
                          xmlStrcasecmp(attribute[0], (const xmlChar *)"id") != 0))
      continue;
    char lowered[256];
    size_t length = strlen((const char *)value);
    if (length >= sizeof lowered) length = sizeof lowered - 1;
    for (size_t i = 0; i < length; i++) lowered[i] = (char)tolower(value[i]);
    lowered[length] = 0;
    // Whole words only: "nav" matches "nav main-nav" but not "canvas".
    for (const char *const *word = chromeWords; *word != NULL; word++) {
      size_t wordLength = strlen(*word);
      for (const char *hit = strstr(lowered, *word); hit != NULL; hit = strstr(hit + 1, *word)) {
        int startOK = hit == lowered || !isalnum((unsigned char)hit[-1]);
        int endOK = !isalnum((unsigned char)hit[wordLength]);
        if (startOK && endOK) return 1;
      }
    }
  }
  return 0;
}

/// Appends text with runs of ASCII whitespace collapsed to one space (as a browser shows it).
static void append_text(Buffer *buffer, const char *text, size_t length) {
  int pendingSpace = 0;
  size_t run = 0;  // start of the run of other bytes being gathered
  for (size_t i = 0; i <= length; i++) {
    char c = i < length ? text[i] : ' ';
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
      if (i == run && pendingSpace && buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n' &&
          buffer->bytes[buffer->length - 1] != ' ')
        append(buffer, " ", 1);
      pendingSpace = 0;
      continue;
    }
    append(buffer, text + run, i - run);
    if (i < length) pendingSpace = 1;
    run = i + 1;
  }
  if (pendingSpace && buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n' &&
      buffer->bytes[buffer->length - 1] != ' ')
    append(buffer, " ", 1);
}

// The page is read as a stream of parser events (SAX), not built into a tree first: the
// tree's thousands of small allocations cost more than the reading itself.

enum FrameKind { INLINE, BLOCK, ROW, CELL };

typedef struct {
  enum FrameKind kind;
  int cells;  // for a ROW: cells seen so far
} Frame;

typedef struct {
  /// The parser, or NULL while the page is scanned (`scan_page`), which sets `line`.
  htmlParserCtxtPtr parser;
  int32_t line;
  /// Open elements, innermost last.
  Frame *frames;
  size_t depth;
  size_t frameCapacity;
  /// The output, then one buffer per open table cell (a cell's text is put on one line when it closes).
  Buffer *buffers;
  size_t bufferCount;
  size_t bufferCapacity;
  /// Open elements inside one whose content is dropped (0: none).
  int skipped;
  /// Whether the last event was text (the parser hands a long text over in pieces).
  int inText;
  int failed;
} Reader;

static Buffer *current(Reader *reader) { return &reader->buffers[reader->bufferCount - 1]; }

/// Notes the source line where the parser stands, outside table cells (a cell's line is its row's).
static void note_line(Reader *reader) {
  if (reader->bufferCount == 1)
    reader->buffers[0].currentLine = reader->parser != NULL ? (int32_t)xmlSAX2GetLineNumber(reader->parser) : reader->line;
}

static int push_frame(Reader *reader, enum FrameKind kind) {
  if (!reserve((void **)&reader->frames, &reader->frameCapacity, reader->depth + 1, sizeof(Frame))) return 0;
  reader->frames[reader->depth++] = (Frame){kind, 0};
  return 1;
}

static int name_in(const xmlChar *name, const char *const *names) {
  for (; *names != NULL; names++) {
    // The names are lowercase and start with a letter: most differ in their first.
    if ((name[0] | 0x20) == (*names)[0] && xmlStrcasecmp(name, (const xmlChar *)*names) == 0) return 1;
  }
  return 0;
}

static int is_cell_name(const xmlChar *name) {
  return xmlStrcasecmp(name, (const xmlChar *)"td") == 0 || xmlStrcasecmp(name, (const xmlChar *)"th") == 0;
}

static void start_element(void *context, const xmlChar *name, const xmlChar **attributes) {
  Reader *reader = context;
  reader->inText = 0;
  if (reader->failed) return;
  if (reader->skipped > 0) {
    reader->skipped++;
    return;
  }
  Frame *parent = reader->depth > 0 ? &reader->frames[reader->depth - 1] : NULL;
  if (parent != NULL && parent->kind == ROW) {
    // A row keeps only its cells, each on the row's line.
    if (!is_cell_name(name)) {
      reader->skipped = 1;
      return;
    }
    if (parent->cells++ > 0) append(current(reader), " | ", 3);
    if (!reserve((void **)&reader->buffers, &reader->bufferCapacity, reader->bufferCount + 1, sizeof(Buffer))) {
      reader->failed = 1;
      return;
    }
    reader->buffers[reader->bufferCount++] = (Buffer){0};
    if (!push_frame(reader, CELL)) reader->failed = 1;
    return;
  }
  if (reader->depth > 200) {  // pathological nesting: its content is dropped
    reader->skipped = 1;
    return;
  }
  note_line(reader);
  if (name_in(name, dropped) || is_chrome(attributes)) {
    reader->skipped = 1;
    return;
  }
  enum FrameKind kind = xmlStrcasecmp(name, (const xmlChar *)"tr") == 0 ? ROW : name_in(name, blocks) ? BLOCK : INLINE;
  if (kind != INLINE) newline(current(reader));
  if (!push_frame(reader, kind)) reader->failed = 1;
}

static void end_element(void *context, const xmlChar *name) {
  (void)name;
  Reader *reader = context;
  reader->inText = 0;
  if (reader->failed) return;
  if (reader->skipped > 0) {
    reader->skipped--;
    return;
  }
  if (reader->depth == 0) return;
  Frame frame = reader->frames[--reader->depth];
  if (frame.kind == CELL) {
    Buffer inner = reader->buffers[--reader->bufferCount];
    for (size_t i = 0; i < inner.length; i++) {
      if (inner.bytes[i] == '\n' || inner.bytes[i] == '|') inner.bytes[i] = ' ';
    }
    size_t start = 0, end = inner.length;
    while (start < end && inner.bytes[start] == ' ') start++;
    while (end > start && inner.bytes[end - 1] == ' ') end--;
    append(current(reader), inner.bytes + start, end - start);
    if (inner.failed) reader->failed = 1;
    free(inner.bytes);
  } else if (frame.kind != INLINE) {
    newline(current(reader));
  }
}

static void text(void *context, const xmlChar *characters, int length) {
  Reader *reader = context;
  if (reader->failed || reader->skipped > 0 || reader->depth == 0 || reader->frames[reader->depth - 1].kind == ROW) {
    reader->inText = 1;
    return;
  }
  if (!reader->inText) note_line(reader);
  reader->inText = 1;
  append_text(current(reader), (const char *)characters, (size_t)length);
}

static void comment(void *context, const xmlChar *value) {
  (void)value;
  ((Reader *)context)->inText = 0;
}

// The fast path. Most pages are regular: every element closed in the order opened, where no
// element's start closes another, and attribute values quoted. For those, `scan_page` makes
// the events libxml2's parser would, with the same line numbers, reading each byte once
// (libxml2 reads every character through several layers, and copies every attribute).
// Anything else it does not try to match: it gives up, and the page goes to libxml2.

/// The elements the scanner takes, by what they may hold.
enum Kind {
  K_HTML, K_HEAD, K_BODY, K_TITLE, K_HEAD_VOID, K_RAW, K_FLOW, K_P, K_TABLE, K_ROWS, K_TR, K_CELL, K_LIST,
  K_LI, K_PHRASE, K_A, K_PHRASE_VOID, K_FLOW_VOID
};

typedef struct {
  const char *name;
  enum Kind kind;
} Known;

/// The commonest first: a name is looked up by going down the list.
static const Known knownElements[] = {
    {"td", K_CELL},        {"p", K_P},           {"span", K_PHRASE},    {"tr", K_TR},         {"div", K_FLOW},
    {"a", K_A},            {"th", K_CELL},       {"li", K_LI},          {"strong", K_PHRASE}, {"b", K_PHRASE},
    {"meta", K_HEAD_VOID}, {"table", K_TABLE},   {"tbody", K_ROWS},     {"br", K_PHRASE_VOID}, {"h3", K_P},
    {"em", K_PHRASE},      {"script", K_RAW},    {"style", K_RAW},      {"ul", K_LIST},       {"h1", K_P},
    {"title", K_TITLE},    {"link", K_HEAD_VOID}, {"html", K_HTML},     {"head", K_HEAD},     {"body", K_BODY},
    {"img", K_PHRASE_VOID}, {"font", K_PHRASE},  {"h2", K_P},           {"h4", K_P},          {"h5", K_P},
    {"h6", K_P},           {"thead", K_ROWS},    {"tfoot", K_ROWS},     {"ol", K_LIST},       {"i", K_PHRASE},
    {"u", K_PHRASE},       {"sub", K_PHRASE},    {"sup", K_PHRASE},     {"small", K_PHRASE},  {"hr", K_FLOW_VOID},
    {"base", K_HEAD_VOID}, {NULL, K_HTML}};

static int is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\n'; }
static int is_letter(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_name_char(uint8_t c) {
  return is_letter(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' || c == '.';
}

/// Whether an element of kind `child` may start inside one of kind `parent` without libxml2
/// closing the parent first (its table of elements a start tag closes: a block closes a
/// paragraph, a cell the cell before, `a` an open `a`) or adding elements it implies: html
/// holds a head, closed, then a body.
static int may_hold(enum Kind parent, enum Kind child, int headDone, int bodySeen) {
  int phrase = child == K_PHRASE || child == K_A || child == K_PHRASE_VOID;
  switch (parent) {
  case K_HTML: return (child == K_HEAD && !headDone && !bodySeen) || (child == K_BODY && headDone && !bodySeen);
  case K_HEAD: return child == K_TITLE || child == K_HEAD_VOID || child == K_RAW;
  case K_BODY:
  case K_FLOW:
  case K_CELL:
    return phrase || child == K_FLOW || child == K_P || child == K_TABLE || child == K_LIST || child == K_RAW ||
           child == K_FLOW_VOID;
  case K_P:
  case K_LI:
  case K_PHRASE: return phrase;
  case K_A: return phrase && child != K_A;
  case K_TABLE: return child == K_ROWS || child == K_TR;
  case K_ROWS: return child == K_TR;
  case K_TR: return child == K_CELL;
  case K_LIST: return child == K_LI;
  default: return 0;
  }
}

typedef struct {
  const uint8_t *page;
  size_t length;
  size_t at;
  /// The line at `at` (1-based), as libxml2 counts: line breaks read.
  int32_t line;
} Scanner;

/// Moves over `count` bytes, counting their line breaks.
static void scan_over(Scanner *scanner, size_t count) {
  const uint8_t *from = scanner->page + scanner->at;
  for (const uint8_t *end = from + count; (from = memchr(from, '\n', (size_t)(end - from))) != NULL; from++) scanner->line++;
  scanner->at += count;
}

static void skip_blanks(Scanner *scanner) {
  while (scanner->at < scanner->length && is_blank(scanner->page[scanner->at])) scan_over(scanner, 1);
}

/// Skips spaces and tabs (inside a tag, where a line break makes the scanner give up).
static void skip_spaces(Scanner *scanner) {
  while (scanner->at < scanner->length && (scanner->page[scanner->at] == ' ' || scanner->page[scanner->at] == '\t'))
    scanner->at++;
}

static int starts_with(const Scanner *scanner, const char *prefix, int ignoringCase) {
  size_t length = strlen(prefix);
  if (scanner->length - scanner->at < length) return 0;
  const uint8_t *here = scanner->page + scanner->at;
  for (size_t i = 0; i < length; i++) {
    if (ignoringCase ? (here[i] | 0x20) != (uint8_t)prefix[i] : here[i] != (uint8_t)prefix[i]) return 0;
  }
  return 1;
}

/// Reads a comment at `<!--`: its event, or 0 when it holds a line break (where libxml2's
/// line count is not the scanner's to match) or never ends.
static int scan_comment(Scanner *scanner, Reader *reader) {
  const uint8_t *start = scanner->page + scanner->at + 4;
  const uint8_t *end = scanner->page + scanner->length;
  for (const uint8_t *at = start; at + 3 <= end; at++) {
    if (*at == '\n') return 0;
    if (at[0] == '-' && at[1] == '-' && at[2] == '>') {
      scanner->at = (size_t)(at + 3 - scanner->page);
      comment(reader, NULL);
      return 1;
    }
  }
  return 0;
}

/// Reads a name (letters, digits and `:-_.`, starting with a letter) into `name`, lowercased
/// as libxml2 does; 0 when there is none or it is longer than `capacity` − 1.
static int scan_name(Scanner *scanner, char *name, size_t capacity) {
  size_t length = 0;
  if (scanner->at >= scanner->length || !is_letter(scanner->page[scanner->at])) return 0;
  while (scanner->at < scanner->length && is_name_char(scanner->page[scanner->at])) {
    if (length + 1 >= capacity) return 0;
    uint8_t c = scanner->page[scanner->at++];
    name[length++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  }
  name[length] = 0;
  return 1;
}

static const Known *known_element(const char *name) {
  for (const Known *known = knownElements; known->name != NULL; known++) {
    if (known->name[0] == name[0] && strcmp(known->name, name) == 0) return known;
  }
  return NULL;
}

/// Reads a reference at `&`: a named entity libxml2 knows, or a character reference to a
/// character XML allows, each ended by `;`, as the text it stands for; 0 for anything else.
static int scan_reference(Scanner *scanner, Reader *reader) {
  const uint8_t *page = scanner->page;
  size_t at = scanner->at + 1;
  uint32_t value = 0;
  if (at < scanner->length && page[at] == '#') {
    at++;
    int hex = at < scanner->length && (page[at] | 0x20) == 'x';
    if (hex) at++;
    size_t digits = 0;
    for (; at < scanner->length && digits < 7; at++, digits++) {
      uint8_t c = page[at], lower = c | 0x20;
      if (c >= '0' && c <= '9') value = value * (hex ? 16 : 10) + (uint32_t)(c - '0');
      else if (hex && lower >= 'a' && lower <= 'f') value = value * 16 + (uint32_t)(lower - 'a' + 10);
      else break;
    }
    int allowed = value == 0x9 || value == 0xA || (value >= 0x20 && value <= 0xD7FF) ||
                  (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF);
    if (digits == 0 || at >= scanner->length || page[at] != ';' || !allowed) return 0;
  } else {
    char name[32];
    size_t length = 0;
    while (at < scanner->length && length + 1 < sizeof name && (is_letter(page[at]) || (page[at] >= '0' && page[at] <= '9')))
      name[length++] = (char)page[at++];
    name[length] = 0;
    if (length == 0 || at >= scanner->length || page[at] != ';') return 0;
    const htmlEntityDesc *entity = htmlEntityLookup((const xmlChar *)name);
    if (entity == NULL || entity->value == 0) return 0;
    value = entity->value;
  }
  scanner->at = at + 1;
  xmlChar bytes[4];
  reader->line = scanner->line;
  text(reader, bytes, xmlCopyCharMultiByte(bytes, (int)value));
  return 1;
}

/// Reads text up to the next `<` or `&`, handing it over as libxml2 does: in pieces of at
/// least 1000 bytes, each when its last character is copied (and so at that line), the last
/// at the `<` or `&`. Only the first piece's line is noted, and pieces of text join the
/// same however they are cut: one piece up to the first cut, then the rest.
static void scan_text(Scanner *scanner, Reader *reader) {
  const uint8_t *start = scanner->page + scanner->at;
  size_t length = scanner->length - scanner->at;
  const uint8_t *lt = memchr(start, '<', length);
  const uint8_t *amp = memchr(start, '&', lt != NULL ? (size_t)(lt - start) : length);
  size_t count = (size_t)((amp != NULL ? amp : lt != NULL ? lt : start + length) - start);
  size_t first = count;
  if (count >= 1000) {
    // The character whose copy brings the piece to 1000 bytes ends it.
    size_t last = 999;
    while (last > 0 && (start[last] & 0xC0) == 0x80) last--;
    first = last + (size_t)(start[last] < 0xC0 ? 1 : start[last] < 0xE0 ? 2 : start[last] < 0xF0 ? 3 : 4);
    scan_over(scanner, last);
    reader->line = scanner->line;
    text(reader, start, (int)first);
    scan_over(scanner, count - last);
    if (count > first) text(reader, start + first, (int)(count - first));
    return;
  }
  scan_over(scanner, count);
  reader->line = scanner->line;
  text(reader, start, (int)count);
}

/// Reads a page as libxml2 would (see above) into `reader`; 0 when it is not regular enough.
static int scan_page(Reader *reader, const uint8_t *page, size_t length) {
  // Characters XML does not allow, which libxml2 drops, and carriage returns, which it
  // folds into line breaks, eight bytes at a time: a word none of whose bytes is below 0x20
  // or 0xEF needs no closer look.
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  for (size_t i = 0; i < length;) {
    if (i + 8 <= length) {
      uint64_t word;
      memcpy(&word, page + i, 8);
      uint64_t ef = word ^ (0xEF * ones);
      if (((((word - 0x20 * ones) & ~word) | ((ef - ones) & ~ef)) & highs) == 0) {
        i += 8;
        continue;
      }
    }
    uint8_t c = page[i];
    if (c < 0x20 && c != '\t' && c != '\n') return 0;
    if (c == 0xEF && i + 2 < length && page[i + 1] == 0xBF && (page[i + 2] == 0xBE || page[i + 2] == 0xBF)) return 0;
    i++;
  }
  Scanner scanner = {page, length, 0, 1};
  // Before the content: blanks, comments and a document type (which makes no event).
  int doctypeSeen = 0;
  for (;;) {
    skip_blanks(&scanner);
    if (starts_with(&scanner, "<!--", 0)) {
      if (!scan_comment(&scanner, reader)) return 0;
    } else if (!doctypeSeen && starts_with(&scanner, "<!doctype", 1)) {
      const uint8_t *start = page + scanner.at;
      const uint8_t *end = memchr(start, '>', length - scanner.at);
      if (end == NULL || memchr(start, '\n', (size_t)(end - start)) != NULL) return 0;
      size_t quotes = 0;
      for (const uint8_t *at = start; at < end; at++) quotes += *at == '"' || *at == '\'';
      if (quotes % 2 != 0) return 0;
      scanner.at += (size_t)(end - start) + 1;
      doctypeSeen = 1;
    } else {
      break;
    }
  }
  const Known *stack[100];
  size_t depth = 0;
  int htmlSeen = 0, headDone = 0, bodySeen = 0;
  while (scanner.at < length) {
    uint8_t c = page[scanner.at];
    if (c != '<') {
      // Text (but blanks) or a reference in html or head would open a paragraph in libxml2.
      if (depth == 0 || stack[depth - 1]->kind == K_HTML || stack[depth - 1]->kind == K_HEAD) {
        size_t at = scanner.at;
        while (at < length && is_blank(page[at])) at++;
        if (at < length && page[at] != '<') return 0;
      }
      if (c == '&') {
        if (!scan_reference(&scanner, reader)) return 0;
      } else {
        scan_text(&scanner, reader);
      }
      continue;
    }
    if (starts_with(&scanner, "<!--", 0)) {
      if (!scan_comment(&scanner, reader)) return 0;
      continue;
    }
    char name[16];
    if (starts_with(&scanner, "</", 0)) {
      scanner.at += 2;
      if (!scan_name(&scanner, name, sizeof name)) return 0;
      skip_spaces(&scanner);
      if (scanner.at >= length || page[scanner.at] != '>') return 0;
      scanner.at++;
      if (depth == 0 || known_element(name) != stack[depth - 1]) return 0;
      depth--;
      if (stack[depth]->kind == K_HEAD) headDone = 1;
      end_element(reader, (const xmlChar *)name);
      continue;
    }
    // A start tag.
    scanner.at++;
    if (!scan_name(&scanner, name, sizeof name)) return 0;
    const Known *known = known_element(name);
    if (known == NULL) return 0;
    if (depth == 0 ? known->kind != K_HTML || htmlSeen : !may_hold(stack[depth - 1]->kind, known->kind, headDone, bodySeen))
      return 0;
    // Attributes: only class and id matter to the reader (`is_chrome`); each is kept once.
    const xmlChar *attributes[5] = {NULL};
    char values[2][256];
    size_t kept = 0;
    int selfClosing = 0;
    for (;;) {
      skip_spaces(&scanner);
      if (scanner.at >= length) return 0;
      if (page[scanner.at] == '>') {
        scanner.at++;
        break;
      }
      if (page[scanner.at] == '/' && scanner.at + 1 < length && page[scanner.at + 1] == '>') {
        scanner.at += 2;
        selfClosing = 1;
        break;
      }
      char attribute[32];
      if (!scan_name(&scanner, attribute, sizeof attribute)) return 0;
      skip_spaces(&scanner);
      const uint8_t *value = NULL;
      size_t valueLength = 0;
      if (scanner.at < length && page[scanner.at] == '=') {
        scanner.at++;
        skip_spaces(&scanner);
        if (scanner.at >= length || (page[scanner.at] != '"' && page[scanner.at] != '\'')) return 0;
        uint8_t quote = page[scanner.at++];
        value = page + scanner.at;
        const uint8_t *end = memchr(value, quote, length - scanner.at);
        if (end == NULL) return 0;
        valueLength = (size_t)(end - value);
        if (memchr(value, '\n', valueLength) != NULL) return 0;
        scanner.at += valueLength + 1;
      }
      int isClass = strcmp(attribute, "class") == 0, isID = strcmp(attribute, "id") == 0;
      if (!isClass && !isID) continue;
      // libxml2 keeps the first of repeated attributes, with references resolved.
      for (size_t i = 0; i < kept; i++) {
        if (strcmp((const char *)attributes[2 * i], attribute) == 0) return 0;
      }
      if (value != NULL && (valueLength >= sizeof values[0] || memchr(value, '&', valueLength) != NULL)) return 0;
      attributes[2 * kept] = (const xmlChar *)(isClass ? "class" : "id");
      if (value != NULL) {
        memcpy(values[kept], value, valueLength);
        values[kept][valueLength] = 0;
      }
      attributes[2 * kept + 1] = value != NULL ? (const xmlChar *)values[kept] : NULL;
      kept++;
    }
    if (depth == sizeof stack / sizeof stack[0]) return 0;
    reader->line = scanner.line;
    start_element(reader, (const xmlChar *)name, kept > 0 ? attributes : NULL);
    if (known->kind == K_HTML) htmlSeen = 1;
    if (known->kind == K_BODY) bodySeen = 1;
    if (selfClosing || known->kind == K_HEAD_VOID || known->kind == K_PHRASE_VOID || known->kind == K_FLOW_VOID) {
      end_element(reader, (const xmlChar *)name);
      continue;
    }
    if (known->kind == K_RAW) {
      // Script and style run to their end tag, unread (`</script` ends a script whatever follows).
      size_t nameLength = strlen(name);
      size_t end = scanner.at;
      for (;;) {
        const uint8_t *next = memchr(page + end, '<', length - end);
        if (next == NULL) return 0;
        end = (size_t)(next - page);
        if (end + 2 + nameLength <= length && page[end + 1] == '/') {
          size_t i = 0;
          while (i < nameLength && (page[end + 2 + i] | 0x20) == (uint8_t)name[i]) i++;
          if (i == nameLength) break;
        }
        end++;
      }
      if (end > scanner.at) text(reader, page + scanner.at, (int)(end - scanner.at));
      scan_over(&scanner, end - scanner.at);
    }
    stack[depth++] = known;
  }
  // libxml2 closes what is still open at the end.
  while (depth > 0) {
    depth--;
    end_element(reader, NULL);
  }
  return htmlSeen;
}

// libxml2 sets up its globals (the dictionary's mutex and random seed among them) on first
// use unless told to first: two threads parsing their first pages at once could both set up
// that mutex and then wait on it forever (a build of 2,000 reports hung so, both workers in
// xmlRMutexLock under htmlCreateMemoryParserCtxt). Its documentation asks multithreaded
// programs to call xmlInitParser once before parsing.
static pthread_once_t libxmlReady = PTHREAD_ONCE_INIT;
static void initLibxml(void) { xmlInitParser(); }

/// Sets up an empty reader with its output buffer; 0 when memory runs out.
static int reader_open(Reader *reader) {
  *reader = (Reader){0};
  if (!reserve((void **)&reader->buffers, &reader->bufferCapacity, 1, sizeof(Buffer))) return 0;
  reader->bufferCount = 1;
  reader->buffers[0] = (Buffer){0};
  reader->buffers[0].tracksLines = 1;
  reader->buffers[0].currentLine = 1;
  return 1;
}

/// Frees what a reader holds but its output buffer, which it returns.
static Buffer reader_close(Reader *reader) {
  // Cells still open at the end (only after a failure, or a page the scanner gave up on).
  for (size_t i = 1; i < reader->bufferCount; i++) free(reader->buffers[i].bytes);
  free(reader->frames);
  Buffer buffer = reader->bufferCount > 0 ? reader->buffers[0] : (Buffer){0};
  free(reader->buffers);
  *reader = (Reader){0};
  return buffer;
}

/// Reads a page with libxml2's parser into an open reader.
static void parse_page(Reader *reader, const uint8_t *utf8, int32_t length) {
  pthread_once(&libxmlReady, initLibxml);
  htmlParserCtxtPtr parser = htmlCreateMemoryParserCtxt((const char *)utf8, length);
  if (parser == NULL) {
    reader->failed = 1;
    return;
  }
  xmlCharEncodingHandlerPtr encoding = xmlFindCharEncodingHandler("UTF-8");
  if (encoding != NULL) xmlSwitchToEncoding(parser, encoding);
  // Only these events; no tree is built.
  memset(parser->sax, 0, sizeof *parser->sax);
  parser->sax->startElement = start_element;
  parser->sax->endElement = end_element;
  parser->sax->characters = text;
  parser->sax->cdataBlock = text;
  parser->sax->comment = comment;
  htmlCtxtUseOptions(parser, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  reader->parser = parser;
  parser->userData = reader;
  htmlParseDocument(parser);
  reader->parser = NULL;
  if (parser->myDoc != NULL) xmlFreeDoc(parser->myDoc);
  htmlFreeParserCtxt(parser);
}

char *cicu_html_text(const uint8_t *utf8, int32_t length, int32_t *outputLength, int32_t **sourceLines,
                     int32_t *lineCount, int32_t scans) {
  *outputLength = 0;
  *sourceLines = NULL;
  *lineCount = 0;
  Reader reader;
  if (!reader_open(&reader)) return NULL;
  if (!scans || !scan_page(&reader, utf8, (size_t)(length > 0 ? length : 0)) || reader.failed) {
    Buffer partial = reader_close(&reader);
    free(partial.bytes);
    free(partial.lines);
    if (scans == 2 || !reader_open(&reader)) return NULL;
    parse_page(&reader, utf8, length);
  }
  int failed = reader.failed;
  Buffer buffer = reader_close(&reader);
  if (failed || buffer.failed) {
    free(buffer.bytes);
    free(buffer.lines);
    return NULL;
  }
  if (buffer.bytes == NULL) {  // a page without text
    buffer.bytes = calloc(1, 1);
    if (buffer.bytes == NULL) {
      free(buffer.lines);
      return NULL;
    }
  }
  *outputLength = (int32_t)buffer.length;
  *sourceLines = buffer.lines;
  *lineCount = (int32_t)buffer.lineCount;
  return buffer.bytes;
}

void cicu_free(void *pointer) { free(pointer); }
