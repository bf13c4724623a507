// Message types shared by the core tests: nested structs, vectors, optionals and maps.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/core/message.hpp"

namespace core_test {

struct point {
  int32_t x = 0;
  int32_t y = 0;
  bool operator==(const point& o) const { return x == o.x && y == o.y; }
};
CLEAVE_MESSAGE(point, x, y)

struct shape {
  std::string name;
  std::vector<point> corners;
  std::optional<point> center;
  std::optional<std::string> label;
  std::map<std::string, int64_t> tags;
  std::optional<std::vector<int32_t>> weights;
  double scale = 1.0;
  uint16_t layer = 0;
  bool visible = true;
  bool operator==(const shape& o) const {
    return name == o.name && corners == o.corners && center == o.center && label == o.label &&
           tags == o.tags && weights == o.weights && scale == o.scale && layer == o.layer &&
           visible == o.visible;
  }
};
CLEAVE_MESSAGE(shape, name, corners, center, label, tags, weights, scale, layer, visible)

struct empty_message {};
CLEAVE_MESSAGE(empty_message)

inline shape sample_shape() {
  shape s;
  s.name = "tri";
  s.corners = {{0, 0}, {4, 0}, {0, -3}};
  s.center = point{1, -1};
  s.tags = {{"a", 1}, {"big", int64_t{1} << 40}};
  s.weights = std::vector<int32_t>{1, 2, 3};
  s.scale = 2.5;
  s.layer = 7;
  s.visible = false;
  return s;
}

}  // namespace core_test
