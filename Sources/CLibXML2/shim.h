// libxml2's HTML parser, for the CICU shim only (its include path comes from pkg-config).
#include <libxml/HTMLparser.h>
