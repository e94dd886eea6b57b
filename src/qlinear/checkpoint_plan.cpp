#include "qlinear/checkpoint_plan.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "qlinear/error.hpp"

namespace qlinear {

namespace {

// `pattern` against `text` from positions p and t (a small backtracking matcher: names are short).
bool glob(const std::string& pattern, std::size_t p, const std::string& text, std::size_t t) {
  while (p < pattern.size()) {
    if (pattern[p] == '*') {
      const bool across = p + 1 < pattern.size() && pattern[p + 1] == '*';
      const std::size_t rest = p + (across ? 2 : 1);
      for (std::size_t k = t; k <= text.size(); ++k) {
        if (glob(pattern, rest, text, k)) return true;
        if (k < text.size() && !across && text[k] == '.') break;
      }
      return false;
    }
    if (t == text.size() || (pattern[p] == '?' ? text[t] == '.' : pattern[p] != text[t])) return false;
    ++p;
    ++t;
  }
  return t == text.size();
}

std::string last_part(const std::string& module) {
  const auto dot = module.rfind('.');
  return dot == std::string::npos ? module : module.substr(dot + 1);
}

bool is_float(SafetensorsDtype d) {
  return d == SafetensorsDtype::F32 || d == SafetensorsDtype::F16 || d == SafetensorsDtype::BF16 ||
         d == SafetensorsDtype::F64;
}

bool is_embedding(const std::string& part) {
  static const std::set<std::string> names = {"wte", "wpe", "embed_tokens", "word_embeddings", "position_embeddings",
                                              "token_type_embeddings", "embed_positions", "embeddings", "shared",
                                              "tok_embeddings", "embed_in"};
  return names.count(part) || part.find("embed") != std::string::npos;
}

bool is_output_head(const std::string& module) {
  const std::string part = last_part(module);
  return part == "lm_head" || part == "embed_out" || (part == "output" && module == "output");
}

// The GPT-2 family keeps its attention and MLP projections in transformers' Conv1D.
bool uses_conv1d(const std::string& model_type) {
  return model_type == "gpt2" || model_type == "openai-gpt" || model_type == "imagegpt" ||
         model_type == "decision_transformer";
}

const std::set<std::string> kConv1dParts = {"c_attn", "c_proj", "c_fc", "q_attn"};

// Every module name of the checkpoint: each tensor name's prefixes.
std::set<std::string> module_names(const CheckpointSource& source) {
  std::set<std::string> out;
  for (const CheckpointTensor& t : source.tensors())
    for (auto dot = t.name.find('.'); dot != std::string::npos; dot = t.name.find('.', dot + 1))
      out.insert(t.name.substr(0, dot));
  return out;
}

void require_matches(const std::vector<std::string>& patterns, const char* what, const std::set<std::string>& modules) {
  for (const std::string& pattern : patterns) {
    if (std::any_of(modules.begin(), modules.end(), [&](const std::string& m) { return glob(pattern, 0, m, 0); }))
      continue;
    std::string some;
    std::size_t shown = 0;
    for (const std::string& m : modules) {
      if (m.find('.') != std::string::npos && shown >= 2) continue;
      if (shown++ == 6) break;
      some += (some.empty() ? "" : ", ") + m;
    }
    throw Error(std::string(what) + " pattern '" + pattern + "' matches no module of the checkpoint (it has " + some +
                ", ...)");
  }
}

// Throws unless a GPT-2 Conv1D weight has the shape config.json's n_embd gives it.
void check_conv1d_shape(const CheckpointTensor& t, const std::string& module, int64_t n_embd) {
  const std::string part = last_part(module);
  const bool mlp = module.find(".mlp.") != std::string::npos;
  const int64_t in = t.shape[0], out = t.shape[1];
  bool fits = true;
  std::string expected;
  if (part == "c_attn") fits = in == n_embd && out == 3 * n_embd, expected = "[n_embd, 3 n_embd]";
  else if (part == "c_fc") fits = in == n_embd, expected = "[n_embd, n_inner]";
  else if (part == "c_proj" && mlp) fits = out == n_embd, expected = "[n_inner, n_embd]";
  else if (part == "c_proj") fits = in == n_embd && out == n_embd, expected = "[n_embd, n_embd]";
  if (!fits)
    throw Error("tensor '" + t.name + "' has shape " + to_string(t.shape) + ", but config.json's n_embd " +
                std::to_string(n_embd) + " makes a GPT-2 Conv1D " + part + " weight " + expected);
}

}  // namespace

bool module_matches(const std::string& pattern, const std::string& module) {
  if (glob(pattern, 0, module, 0)) return true;
  for (auto dot = module.rfind('.'); dot != std::string::npos && dot > 0; dot = module.rfind('.', dot - 1))
    if (glob(pattern, 0, module.substr(0, dot), 0)) return true;
  return false;
}

std::size_t CheckpointPlan::quantized_count() const {
  return static_cast<std::size_t>(std::count_if(tensors.begin(), tensors.end(), [](const TensorPlan& t) { return t.quantize; }));
}

std::vector<std::string> CheckpointPlan::kept_linear_modules() const {
  std::vector<std::string> out;
  for (const TensorPlan& t : tensors)
    if (t.linear && !t.quantize) out.push_back(t.module);
  return out;
}

CheckpointPlan plan_checkpoint(const CheckpointSource& source, const PlanOptions& options) {
  return while_doing("planning which tensors to quantize", [&] {
    CheckpointPlan plan;
    int64_t n_embd = 0;
    if (!options.config_json.empty()) {
      nlohmann::json config;
      try {
        config = nlohmann::json::parse(options.config_json);
      } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("config.json is not valid JSON: ") + e.what());
      }
      if (!config.is_object()) throw Error("config.json is not a JSON object");
      if (config.contains("model_type") && config["model_type"].is_string()) plan.model_type = config["model_type"];
      if (config.contains("n_embd") && config["n_embd"].is_number_integer()) n_embd = config["n_embd"];
    }
    if (plan.model_type.empty() &&
        std::any_of(source.tensors().begin(), source.tensors().end(),
                    [](const CheckpointTensor& t) { return t.name.size() > 14 && t.name.rfind(".c_attn.weight") == t.name.size() - 14; }))
      plan.model_type = "gpt2";  // no config.json: GPT-2's key names
    const std::set<std::string> modules = module_names(source);
    require_matches(options.exclude, "exclude", modules);
    require_matches(options.include, "include", modules);

    const bool conv1d_family = uses_conv1d(plan.model_type);
    for (const CheckpointTensor& t : source.tensors()) {
      TensorPlan p;
      p.name = t.name;
      const auto dot = t.name.rfind('.');
      p.module = dot == std::string::npos ? std::string() : t.name.substr(0, dot);
      const std::string leaf = dot == std::string::npos ? t.name : t.name.substr(dot + 1);
      const std::size_t rank = t.shape.size();
      if (leaf != "weight") p.reason = leaf == "bias" && rank == 1 ? "bias" : "buffer";
      else if (rank == 1) p.reason = "norm";
      else if (rank != 2) p.reason = "not a linear layer (rank " + std::to_string(rank) + ")";
      else if (!is_float(t.dtype)) p.reason = "not floating point (" + to_string(t.dtype) + ")";
      else if (is_embedding(last_part(p.module))) p.reason = "embedding";
      else if (is_output_head(p.module)) p.reason = "output head (kept in 16 bits, as transformers does)";
      else {
        p.linear = true;
        const auto hit = [&](const std::vector<std::string>& patterns) {
          return std::find_if(patterns.begin(), patterns.end(), [&](const std::string& q) { return module_matches(q, p.module); });
        };
        if (const auto e = hit(options.exclude); e != options.exclude.end()) p.reason = "excluded by '" + *e + "'";
        else if (!options.include.empty() && hit(options.include) == options.include.end()) p.reason = "not included";
        else {
          p.quantize = true;
          p.layout = conv1d_family && kConv1dParts.count(last_part(p.module)) ? WeightLayout::conv1d : WeightLayout::linear;
          if (p.layout == WeightLayout::conv1d && n_embd > 0) check_conv1d_shape(t, p.module, n_embd);
          const auto rows = static_cast<std::size_t>(t.shape[0]), cols = static_cast<std::size_t>(t.shape[1]);
          p.out_features = p.layout == WeightLayout::linear ? rows : cols;
          p.in_features = p.layout == WeightLayout::linear ? cols : rows;
          p.reason = p.layout == WeightLayout::linear ? "nn.Linear" : "Conv1D";
        }
      }
      plan.tensors.push_back(std::move(p));
    }
    return plan;
  });
}

}  // namespace qlinear
