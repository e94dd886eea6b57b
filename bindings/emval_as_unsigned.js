// Emscripten 3.1.6's emval::as() hands C++ a converted value as a double. For types that C++
// receives by pointer (value_object structs, std::string), that number is an address the JS side
// got back from wasm as a signed 32-bit integer: above 2 GiB it is negative, and C++'s cast of a
// negative double to a pointer gives address 0 (a struct of zeros, an empty plan). This is the
// library's own _emval_as with that one number read as unsigned, so the heap may grow to 4 GiB.
// (The glue's other pointer uses are made unsigned by emcc itself when MAXIMUM_MEMORY > 2 GiB.)
mergeInto(LibraryManager.library, {
  _emval_as__sig: 'iiii',
  _emval_as__deps: ['$Emval', '$requireRegisteredType'],
  _emval_as: function(handle, returnType, destructorsRef) {
    handle = Emval.toValue(handle);
    returnType = requireRegisteredType(returnType, 'emval::as');
    var destructors = [];
    var rd = Emval.toHandle(destructors);
    HEAPU32[destructorsRef >>> 2] = rd;
    var wire = returnType['toWireType'](destructors, handle);
    // Types with a destructor (and class pointers) are memory the conversion allocated: an address.
    return returnType.destructorFunction || returnType.registeredClass ? wire >>> 0 : wire;
  },
});
