#include "CICU.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
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

/// Records the source line of the output line that starts now.
static void start_line(Buffer *buffer) {
  if (buffer->failed) return;
  if (buffer->lineCount == buffer->lineCapacity) {
    size_t capacity = buffer->lineCapacity * 2 + 64;
    int32_t *grown = realloc(buffer->lines, capacity * sizeof(int32_t));
    if (grown == NULL) {
      buffer->failed = 1;
      return;
    }
    buffer->lines = grown;
    buffer->lineCapacity = capacity;
  }
  buffer->lines[buffer->lineCount++] = buffer->currentLine;
}

static void append(Buffer *buffer, const char *bytes, size_t length) {
  if (buffer->failed || length == 0) return;
  // Output lines are never empty (newline() adds no second break), so the first byte written
  // after a break starts the next line.
  if (buffer->tracksLines && (buffer->length == 0 || buffer->bytes[buffer->length - 1] == '\n')) start_line(buffer);
  if (buffer->length + length + 1 > buffer->capacity) {
    size_t capacity = buffer->capacity * 2 + length + 64;
    char *grown = realloc(buffer->bytes, capacity);
    if (grown == NULL) {
      buffer->failed = 1;
      return;
    }
    buffer->bytes = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->bytes + buffer->length, bytes, length);
  buffer->length += length;
  buffer->bytes[buffer->length] = 0;
}

static void newline(Buffer *buffer) {
  if (buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n') append(buffer, "\n", 1);
}

static int is_named(const xmlNode *node, const char *const *names) {
  for (; *names != NULL; names++) {
    if (xmlStrcasecmp(node->name, (const xmlChar *)*names) == 0) return 1;
  }
  return 0;
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

static int is_chrome(const xmlNode *node) {
  const char *attributes[] = {"class", "id", NULL};
  for (const char **attribute = attributes; *attribute != NULL; attribute++) {
    xmlChar *value = xmlGetProp(node, (const xmlChar *)*attribute);
    if (value == NULL) continue;
    char lowered[256];
    size_t length = strlen((const char *)value);
    if (length >= sizeof lowered) length = sizeof lowered - 1;
    for (size_t i = 0; i < length; i++) lowered[i] = (char)tolower(value[i]);
    lowered[length] = 0;
    xmlFree(value);
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
static void append_text(Buffer *buffer, const char *text) {
  int pendingSpace = 0;
  for (const char *c = text; *c != 0; c++) {
    if (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t' || *c == '\f') {
      pendingSpace = 1;
      continue;
    }
    if (pendingSpace && buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n' &&
        buffer->bytes[buffer->length - 1] != ' ')
      append(buffer, " ", 1);
    pendingSpace = 0;
    append(buffer, c, 1);
  }
  if (pendingSpace && buffer->length > 0 && buffer->bytes[buffer->length - 1] != '\n' &&
      buffer->bytes[buffer->length - 1] != ' ')
    append(buffer, " ", 1);
}

static void walk(const xmlNode *node, Buffer *buffer, int depth);

/// The text of a table cell on one line.
static void cell_text(const xmlNode *cell, Buffer *buffer, int depth) {
  Buffer inner = {0};
  inner.currentLine = buffer->currentLine;
  for (const xmlNode *child = cell->children; child != NULL; child = child->next) walk(child, &inner, depth + 1);
  for (size_t i = 0; i < inner.length; i++) {
    if (inner.bytes[i] == '\n' || inner.bytes[i] == '|') inner.bytes[i] = ' ';
  }
  size_t start = 0, end = inner.length;
  while (start < end && inner.bytes[start] == ' ') start++;
  while (end > start && inner.bytes[end - 1] == ' ') end--;
  append(buffer, inner.bytes + start, end - start);
  free(inner.bytes);
}

static void walk(const xmlNode *node, Buffer *buffer, int depth) {
  if (depth > 200) return;  // pathological nesting: stop rather than overflow the stack
  long line = xmlGetLineNo(node);
  if (line > 0) buffer->currentLine = (int32_t)line;
  if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
    if (node->content != NULL) append_text(buffer, (const char *)node->content);
    return;
  }
  if (node->type != XML_ELEMENT_NODE) return;
  if (is_named(node, dropped) || is_chrome(node)) return;
  if (xmlStrcasecmp(node->name, (const xmlChar *)"tr") == 0) {
    newline(buffer);
    int first = 1;
    for (const xmlNode *cell = node->children; cell != NULL; cell = cell->next) {
      if (cell->type != XML_ELEMENT_NODE) continue;
      if (xmlStrcasecmp(cell->name, (const xmlChar *)"td") != 0 && xmlStrcasecmp(cell->name, (const xmlChar *)"th") != 0)
        continue;
      if (!first) append(buffer, " | ", 3);
      first = 0;
      cell_text(cell, buffer, depth);
    }
    newline(buffer);
    return;
  }
  int block = is_named(node, blocks);
  if (block) newline(buffer);
  for (const xmlNode *child = node->children; child != NULL; child = child->next) walk(child, buffer, depth + 1);
  if (block) newline(buffer);
}

char *cicu_html_text(const uint8_t *utf8, int32_t length, int32_t *outputLength, int32_t **sourceLines,
                     int32_t *lineCount) {
  *outputLength = 0;
  *sourceLines = NULL;
  *lineCount = 0;
  htmlDocPtr document = htmlReadMemory((const char *)utf8, length, NULL, "UTF-8",
                                       HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                           HTML_PARSE_NONET | HTML_PARSE_COMPACT);
  if (document == NULL) return NULL;
  Buffer buffer = {0};
  buffer.tracksLines = 1;
  buffer.currentLine = 1;
  xmlNode *root = xmlDocGetRootElement(document);
  if (root != NULL) walk(root, &buffer, 0);
  xmlFreeDoc(document);
  if (buffer.failed) {
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
