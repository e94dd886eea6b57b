// Catch2 v2 provides main(); the same suite runs natively and under Node as wasm.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
