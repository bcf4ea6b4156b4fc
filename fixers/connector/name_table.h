#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace remediator::fixers::connector {

/// A fixed table of enum values and their stable names (journal states, action kinds).
template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;

/// The name of `value` in `table`, or `fallback` when it is not there.
template <typename E, std::size_t N>
const char* nameIn(const NameTable<E, N>& table, E value, const char* fallback) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

/// The value named `name` in `table`, or nullopt.
template <typename E, std::size_t N>
std::optional<E> valueIn(const NameTable<E, N>& table, const std::string& name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace remediator::fixers::connector
