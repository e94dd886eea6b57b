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
  if (table?.module !== module) table = { module, value: module._optionTable() };
  return table.value;
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
    // Any of the enum's names passes here; the core refuses those this use does not take (a
    // per-channel qscheme for MinMaxObserver, say) with its own message.
    default: return oneOf(value, choicesOf(option.type), option.name, where);
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
