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
  htmlParserCtxtPtr parser;
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
  if (reader->bufferCount == 1) reader->buffers[0].currentLine = (int32_t)xmlSAX2GetLineNumber(reader->parser);
}

static int push_frame(Reader *reader, enum FrameKind kind) {
  if (!reserve((void **)&reader->frames, &reader->frameCapacity, reader->depth + 1, sizeof(Frame))) return 0;
  reader->frames[reader->depth++] = (Frame){kind, 0};
  return 1;
}

static int name_in(const xmlChar *name, const char *const *names) {
  for (; *names != NULL; names++) {
    if (xmlStrcasecmp(name, (const xmlChar *)*names) == 0) return 1;
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

// libxml2 sets up its globals (the dictionary's mutex and random seed among them) on first
// use unless told to first: two threads parsing their first pages at once could both set up
// that mutex and then wait on it forever (a build of 2,000 reports hung so, both workers in
// xmlRMutexLock under htmlCreateMemoryParserCtxt). Its documentation asks multithreaded
// programs to call xmlInitParser once before parsing.
static pthread_once_t libxmlReady = PTHREAD_ONCE_INIT;
static void initLibxml(void) { xmlInitParser(); }

char *cicu_html_text(const uint8_t *utf8, int32_t length, int32_t *outputLength, int32_t **sourceLines,
                     int32_t *lineCount) {
  pthread_once(&libxmlReady, initLibxml);
  *outputLength = 0;
  *sourceLines = NULL;
  *lineCount = 0;
  htmlParserCtxtPtr parser = htmlCreateMemoryParserCtxt((const char *)utf8, length);
  if (parser == NULL) return NULL;
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
  Reader reader = {0};
  reader.parser = parser;
  reader.failed = !reserve((void **)&reader.buffers, &reader.bufferCapacity, 1, sizeof(Buffer));
  if (!reader.failed) {
    reader.bufferCount = 1;
    reader.buffers[0] = (Buffer){0};
    reader.buffers[0].tracksLines = 1;
    reader.buffers[0].currentLine = 1;
    parser->userData = &reader;
    htmlParseDocument(parser);
  }
  if (parser->myDoc != NULL) xmlFreeDoc(parser->myDoc);
  htmlFreeParserCtxt(parser);
  // Cells still open at the end (the parser closes every element, so only after a failure).
  for (size_t i = 1; i < reader.bufferCount; i++) free(reader.buffers[i].bytes);
  free(reader.frames);
  Buffer buffer = reader.bufferCount > 0 ? reader.buffers[0] : (Buffer){0};
  free(reader.buffers);
  if (reader.failed || buffer.failed) {
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
