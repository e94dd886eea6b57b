// Options objects, checked and completed from the core's option table (include/qlinear/settings.hpp):
// the names, types, choices, ranges and defaults come from C++, so nothing here lists them.
import { checkKeys, oneOf, bool, integer, finiteNumber } from './checks.js';
import { wasmModule } from './loader.js';

let table = null;

/**
 * The core's option table: `groups` (each options object: its options' names, types, choices,
 * defaults and ranges) and `enums` (each set of names with what each means). The CLI's help and
 * the demo's menus are made from it.
 * @returns {import('../qlinear').OptionTable}
 */
export function optionTable() {
  const module = wasmModule();
  if (table?.module !== module) table = { module, value: deepFreeze(module._optionTable()) };
  return table.value;
}

// Frozen, so that no caller can change what every later check and default reads.
function deepFreeze(value) {
  if (value && typeof value === 'object') Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

export function optionGroup(name) {
  const group = optionTable().groups.find((g) => g.name === name);
  if (!group) throw new Error(`qlinear: no option group '${name}'`); // a bug here, not the caller's
  return group;
}

/** The names an enum of the core takes ('ForwardMode' → ['weight-only', 'dynamic', ...]). */
export function choicesOf(type) {
  const info = optionTable().enums.find((e) => e.type === type);
  if (!info) throw new Error(`qlinear: no enum '${type}'`);
  return info.names;
}

function checkOption(option, value, where) {
  switch (option.type) {
    case 'boolean': return bool(value, option.name, where);
    case 'integer': return integer(value, option.name, where);
    case 'number': return finiteNumber(value, option.name, where, option.range ?? {});
    // The names this option takes: all of its enum's, or the part the table says (the per-tensor
    // qschemes of PrepareOptions). Where a use takes fewer than the table lists (a per-channel
    // qscheme for MinMaxObserver), the core refuses with its own reason.
    default: return oneOf(value, option.choices, option.name, where);
  }
}

/**
 * `options` checked against group `groupName` (unknown names and wrong types are TypeErrors) and
 * completed with the defaults: the object the bindings take. `extraKeys` are handled by the
 * caller (e.g. `shape`), `defaultsFrom` fills options this group lacks from another group.
 */
export function readOptions(groupName, options, where, { extraKeys = [], defaultsFrom = null } = {}) {
  const group = optionGroup(groupName);
  checkKeys(options, [...group.options.map((o) => o.name), ...extraKeys], where);
  const out = defaultsFrom ? readOptions(defaultsFrom, {}, where) : {};
  for (const option of group.options) {
    const value = options[option.name] ?? option.default;
    out[option.name] = value === null ? null : checkOption(option, value, where);
  }
  return out;
}
