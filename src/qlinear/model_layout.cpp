#include "qlinear/model_layout.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

using Json = nlohmann::json;

struct Module {
  std::string name;    // "net.0", "fc1"
  std::string prefix;  // "net", ""
  std::string leaf;    // "0", "fc1"
  std::map<std::string, Shape> params;  // "weight" -> [out, in]
  bool batch_norm = false;

  int64_t out() const { return params.at("weight")[0]; }
  int64_t in() const { return params.at("weight")[1]; }
  int64_t features() const { return params.at("running_mean")[0]; }
};

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "fc12" -> {"fc", 12}; number -1 when the name does not end in digits.
std::pair<std::string, long> stem_and_number(const std::string& s) {
  std::size_t end = s.size();
  while (end > 0 && s[end - 1] >= '0' && s[end - 1] <= '9') --end;
  if (end == s.size() || s.size() - end > 9) return {s, -1};
  return {s.substr(0, end), std::stol(s.substr(end))};
}

bool natural_less(const std::string& a, const std::string& b) {
  const auto [sa, na] = stem_and_number(a);
  const auto [sb, nb] = stem_and_number(b);
  return sa != sb ? sa < sb : na != nb ? na < nb : a < b;
}

std::string shape_text(const Module& m) {
  return m.batch_norm ? "BatchNorm1d(" + std::to_string(m.features()) + ")"
                      : std::to_string(m.in()) + "→" + std::to_string(m.out());
}

// The Linear modules in name order with `hidden` between: a starting point for the user to edit.
std::string spec_to_edit(const std::vector<const Module*>& linears, Activation hidden) {
  ModelSpec spec;
  for (const Module* m : linears) spec.layers.push_back({m->name, hidden, std::nullopt, std::nullopt});
  if (!spec.layers.empty()) spec.layers.back().activation = Activation::identity;
  return to_json(spec);
}

[[noreturn]] void cannot_infer(const std::string& why, const std::vector<const Module*>& linears, Activation hidden) {
  std::string message = "cannot infer the architecture: " + why;
  if (!linears.empty())
    message += ". Pass a spec that lists the layers in order, e.g. (edit the order and activations):\n" +
               spec_to_edit(linears, hidden);
  throw Error(message);
}

std::vector<Module> group_modules(const std::vector<TensorName>& tensors) {
  std::map<std::string, Module> by_name;
  for (const TensorName& t : tensors) {
    const auto dot = t.name.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == t.name.size())
      throw Error("cannot infer the architecture: tensor '" + t.name +
                  "' is not named '<module>.<parameter>' as a PyTorch state_dict names them");
    Module& m = by_name[t.name.substr(0, dot)];
    m.params[t.name.substr(dot + 1)] = t.shape;
  }
  std::vector<Module> modules;
  for (auto& entry : by_name) {
    const std::string& name = entry.first;
    Module& m = entry.second;
    m.name = name;
    const auto dot = name.rfind('.');
    m.prefix = dot == std::string::npos ? "" : name.substr(0, dot);
    m.leaf = dot == std::string::npos ? name : name.substr(dot + 1);
    const auto has = [&](const char* p) { return m.params.count(p) > 0; };
    const auto one_d = [&](const char* p, int64_t n) { return !has(p) || (m.params[p].size() == 1 && m.params[p][0] == n); };
    std::string params;
    for (const auto& [p, shape] : m.params) params += (params.empty() ? "" : ", ") + p + " " + to_string(shape);
    if (has("running_mean") || has("running_var")) {
      m.batch_norm = true;
      const Shape& mean = m.params[has("running_mean") ? "running_mean" : "running_var"];
      if (!has("running_mean") || !has("running_var") || mean.size() != 1 || !one_d("running_var", mean[0]) ||
          !one_d("weight", mean[0]) || !one_d("bias", mean[0]))
        throw Error("cannot infer the architecture: module '" + name + "' (" + params +
                    ") looks like a BatchNorm1d but its running_mean, running_var, weight and bias do not agree");
      for (const auto& [p, shape] : m.params)
        if (p != "weight" && p != "bias" && p != "running_mean" && p != "running_var" && p != "num_batches_tracked")
          throw Error("cannot infer the architecture: BatchNorm1d '" + name + "' has an unexpected tensor '" + name + "." + p + "'");
    } else {
      const std::string neither = "module '" + name + "' (" + params + ") is neither an nn.Linear ([out, in] weight, [out] bias) nor an "
                                  "nn.BatchNorm1d; qlinear's models are Linear layers, with BatchNorm1d folded into them";
      if (!has("weight")) throw Error("cannot infer the architecture: " + neither + ": it has no '" + name + ".weight'");
      const Shape& weight = m.params["weight"];
      if (weight.size() != 2)
        throw Error("cannot infer the architecture: tensor '" + name + ".weight' has shape " + to_string(weight) +
                    ", expected [out_features, in_features]; " + neither);
      if (!one_d("bias", weight[0]))
        throw Error("tensor '" + name + ".bias' has shape " + to_string(m.params["bias"]) + ", expected [" + std::to_string(weight[0]) + "]");
      for (const auto& [p, shape] : m.params)
        if (p != "weight" && p != "bias")
          throw Error("cannot infer the architecture: nn.Linear '" + name + "' has an unexpected tensor '" + name + "." + p + "'");
    }
    modules.push_back(m);
  }
  return modules;
}

// nn.Sequential: modules in index order; a gap is a parameter-free module (an activation).
ModelLayout sequential_layout(std::vector<const Module*> modules, const std::vector<const Module*>& linears,
                              Activation hidden, Activation output) {
  std::sort(modules.begin(), modules.end(), [](const Module* a, const Module* b) { return std::stol(a->leaf) < std::stol(b->leaf); });
  struct Group {
    ModelSpec::Entry entry;
    long first, last;
  };
  std::vector<Group> groups;
  const Module* pending = nullptr;  // a BatchNorm waiting for the Linear after it
  long pending_index = 0;
  for (const Module* m : modules) {
    const long index = std::stol(m->leaf);
    if (!m->batch_norm) {
      Group g{{m->name, Activation::identity, std::nullopt, std::nullopt}, index, index};
      if (pending) {
        if (pending_index != index - 1)
          cannot_infer("BatchNorm1d '" + pending->name + "' is followed by a module without parameters (an activation), not by a Linear; it cannot be folded", linears, hidden);
        if (pending->features() != m->in())
          cannot_infer("BatchNorm1d '" + pending->name + "' has " + std::to_string(pending->features()) + " features but Linear '" + m->name +
                       "' after it takes " + std::to_string(m->in()), linears, hidden);
        g.entry.batch_norm_before = pending->name;
        g.first = pending_index;
        pending = nullptr;
      }
      groups.push_back(g);
      continue;
    }
    if (pending) cannot_infer("BatchNorm1d '" + pending->name + "' and '" + m->name + "' have no Linear between them", linears, hidden);
    Group* previous = groups.empty() ? nullptr : &groups.back();
    if (previous && !previous->entry.batch_norm && previous->last == index - 1) {
      const Module& linear = **std::find_if(linears.begin(), linears.end(), [&](const Module* l) { return l->name == previous->entry.name; });
      if (m->features() != linear.out())
        cannot_infer("BatchNorm1d '" + m->name + "' has " + std::to_string(m->features()) + " features but Linear '" + linear.name +
                     "' before it gives " + std::to_string(linear.out()), linears, hidden);
      previous->entry.batch_norm = m->name;
      previous->last = index;
    } else {
      pending = m;
      pending_index = index;
    }
  }
  if (pending) cannot_infer("BatchNorm1d '" + pending->name + "' has no Linear right after it to fold into", linears, hidden);
  ModelLayout layout{"sequential", {}, ""};
  std::string names;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    ModelSpec::Entry e = groups[i].entry;
    e.activation = i + 1 == groups.size() ? output : groups[i + 1].first - groups[i].last >= 2 ? hidden : Activation::identity;
    names += (names.empty() ? "" : ", ") + e.name;
    layout.spec.layers.push_back(e);
  }
  std::string folds;
  for (const ModelSpec::Entry& e : layout.spec.layers) {
    if (e.batch_norm_before) folds += "; BatchNorm1d '" + *e.batch_norm_before + "' folded into '" + e.name + "' (before it)";
    if (e.batch_norm) folds += "; BatchNorm1d '" + *e.batch_norm + "' folded into '" + e.name + "' (after it)";
  }
  const std::string& prefix = modules.front()->prefix;
  layout.description = "nn.Sequential" + (prefix.empty() ? std::string() : " under '" + prefix + "'") + ": layers " + names +
                       "; each gap in the indices is an activation module, read as " + to_string(hidden) +
                       (output == Activation::identity ? "" : "; " + to_string(output) + " after the last layer") + folds;
  return layout;
}

// Every order of `linears` in which each layer takes what the previous one gives; stops at two.
void find_chains(const std::vector<const Module*>& linears, std::vector<const Module*>& chain, std::vector<bool>& used,
                 std::vector<std::vector<const Module*>>& found) {
  if (found.size() >= 2) return;
  if (chain.size() == linears.size()) {
    found.push_back(chain);
    return;
  }
  for (std::size_t i = 0; i < linears.size(); ++i) {
    if (used[i] || (!chain.empty() && chain.back()->out() != linears[i]->in())) continue;
    used[i] = true;
    chain.push_back(linears[i]);
    find_chains(linears, chain, used, found);
    chain.pop_back();
    used[i] = false;
  }
}

std::string chain_text(const std::vector<const Module*>& chain) {
  std::string s;
  for (const Module* m : chain) s += (s.empty() ? "" : " → ") + m->name + " (" + shape_text(*m) + ")";
  return s;
}

ModelLayout named_layout(const std::vector<const Module*>& batch_norms, const std::vector<const Module*>& linears,
                         Activation hidden, Activation output) {
  std::vector<std::vector<const Module*>> found;
  {
    std::vector<const Module*> chain;
    std::vector<bool> used(linears.size(), false);
    find_chains(linears, chain, used, found);
  }
  if (found.empty()) {
    std::string shapes;
    for (const Module* m : linears) shapes += (shapes.empty() ? "" : ", ") + m->name + " " + shape_text(*m);
    cannot_infer("the layers' shapes do not chain (each layer's inputs must be the previous layer's outputs): " + shapes, linears, hidden);
  }
  std::vector<const Module*> order = found.front();
  std::string how = "ordered by their shapes";
  if (found.size() > 1) {
    // Several orders chain (equal widths): names numbered in one series (fc1, fc2, ...) decide.
    const std::string stem = stem_and_number(linears.front()->leaf).first;
    const bool numbered = std::all_of(linears.begin(), linears.end(), [&](const Module* m) {
      const auto [s, n] = stem_and_number(m->leaf);
      return n >= 0 && s == stem;
    });
    bool name_order_chains = true;
    for (std::size_t i = 1; i < linears.size(); ++i) name_order_chains = name_order_chains && linears[i - 1]->out() == linears[i]->in();
    if (!numbered || !name_order_chains)
      cannot_infer("the layer order is ambiguous: " + chain_text(found[0]) + " and " + chain_text(found[1]) + " both chain by shape", linears, hidden);
    order = linears;  // already in natural name order
    how = "ordered by the numbers in their names (their shapes allow more than one order)";
  }
  ModelLayout layout{"named", {}, ""};
  for (const Module* m : order) layout.spec.layers.push_back({m->name, hidden, std::nullopt, std::nullopt});
  layout.spec.layers.back().activation = output;
  auto entry_of = [&](const Module* m) -> ModelSpec::Entry& {
    return *std::find_if(layout.spec.layers.begin(), layout.spec.layers.end(), [&](const ModelSpec::Entry& e) { return e.name == m->name; });
  };
  std::string folds;
  for (const Module* bn : batch_norms) {
    // After the Linear that gives its width (bn1 after fc1 when several do); else before the one that takes it.
    std::vector<const Module*> after, before;
    for (const Module* m : linears) {
      if (m->out() == bn->features() && !entry_of(m).batch_norm) after.push_back(m);
      if (m->in() == bn->features() && !entry_of(m).batch_norm_before) before.push_back(m);
    }
    const long number = stem_and_number(bn->leaf).second;
    const auto pick = [&](const std::vector<const Module*>& candidates) -> const Module* {
      if (candidates.size() == 1) return candidates.front();
      const Module* match = nullptr;
      for (const Module* m : candidates)
        if (number >= 0 && stem_and_number(m->leaf).second == number) match = match ? nullptr : m;
      return match;
    };
    if (const Module* m = pick(after)) {
      entry_of(m).batch_norm = bn->name;
      folds += "; BatchNorm1d '" + bn->name + "' folded into '" + m->name + "' (after it)";
    } else if (const Module* m = after.empty() ? pick(before) : nullptr) {
      entry_of(m).batch_norm_before = bn->name;
      folds += "; BatchNorm1d '" + bn->name + "' folded into '" + m->name + "' (before it)";
    } else {
      cannot_infer("cannot tell which Linear BatchNorm1d '" + bn->name + "' (" + std::to_string(bn->features()) +
                   " features) belongs to; a spec says it with \"batchNorm\": \"" + bn->name + "\" on that layer", linears, hidden);
    }
  }
  layout.description = "named layers " + how + ": " + chain_text(order) + "; the activations are in forward(), not in the file: " +
                       to_string(hidden) + " between layers" +
                       (output == Activation::identity ? "" : ", " + to_string(output) + " after the last") + " (change with the activation option)";
  if (!folds.empty()) layout.description += folds;
  return layout;
}

}  // namespace

ModelSpec parse_model_spec(const std::string& text) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(std::string("model spec is not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array() || doc["layers"].empty())
    throw Error("model spec must be {\"layers\": [{\"name\": ..., \"activation\": ...}, ...]} with at least one layer");
  ModelSpec spec;
  for (const Json& l : doc["layers"]) {
    if (!l.is_object() || !l.contains("name") || !l["name"].is_string())
      throw Error("every layer of the model spec needs a \"name\" string, got " + l.dump());
    ModelSpec::Entry e{l["name"].get<std::string>(), Activation::identity, std::nullopt, std::nullopt};
    for (const auto& [key, value] : l.items()) {
      if (key == "name") continue;
      if (key != "activation" && key != "batchNorm" && key != "batchNormBefore")
        throw Error("model spec layer '" + e.name + "' has an unexpected key '" + key + "' (it may have name, activation, batchNorm, batchNormBefore)");
      // null: absent (model.layout.spec writes the batchNorm keys of every layer)
      if (!value.is_string() && !(value.is_null() && key != "activation"))
        throw Error(key + " of layer '" + e.name + "' must be a string");
    }
    const auto text = [&](const char* key) { return l.contains(key) && l[key].is_string(); };
    if (text("activation")) e.activation = parse_activation(l["activation"].get<std::string>());
    if (text("batchNorm")) e.batch_norm = l["batchNorm"].get<std::string>();
    if (text("batchNormBefore")) e.batch_norm_before = l["batchNormBefore"].get<std::string>();
    spec.layers.push_back(e);
  }
  return spec;
}

std::string to_json(const ModelSpec& spec) {
  std::string text = "{\"layers\": [";
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const ModelSpec::Entry& e = spec.layers[i];
    Json l = {{"name", e.name}, {"activation", to_string(e.activation)}};
    if (e.batch_norm_before) l["batchNormBefore"] = *e.batch_norm_before;
    if (e.batch_norm) l["batchNorm"] = *e.batch_norm;
    text += std::string(i ? ",\n  " : "\n  ") + l.dump();
  }
  return text + "\n]}";
}

ModelLayout infer_layout(const std::vector<TensorName>& tensors, Activation hidden, Activation output) {
  const std::vector<Module> modules = group_modules(tensors);
  std::vector<const Module*> all, linears, batch_norms;
  for (const Module& m : modules) {
    all.push_back(&m);
    (m.batch_norm ? batch_norms : linears).push_back(&m);
  }
  std::sort(linears.begin(), linears.end(), [](const Module* a, const Module* b) { return natural_less(a->leaf, b->leaf); });
  if (linears.empty()) throw Error("cannot infer the architecture: the file holds no Linear layer ('<name>.weight' of shape [out, in])");
  std::set<std::string> prefixes;
  for (const Module* m : all) prefixes.insert(m->prefix);
  if (prefixes.size() > 1) {
    std::string list;
    for (const std::string& p : prefixes) list += (list.empty() ? "'" : ", '") + p + "'";
    cannot_infer("the modules sit under different parents (" + list + "), not in one nn.Sequential or one module", linears, hidden);
  }
  const bool sequential = std::all_of(all.begin(), all.end(), [](const Module* m) { return all_digits(m->leaf); });
  return sequential ? sequential_layout(all, linears, hidden, output) : named_layout(batch_norms, linears, hidden, output);
}

}  // namespace qlinear
