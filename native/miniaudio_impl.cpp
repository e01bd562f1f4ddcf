// The one translation unit that compiles miniaudio's implementation.
#define MINIAUDIO_IMPLEMENTATION
#define MA_NO_ENGINE
#define MA_NO_NODE_GRAPH
#define MA_NO_GENERATION
#include <miniaudio.h>
