// banano-driver: the scripted sequence Banano runs against the thingey repository.
#pragma once

#include "runtime/component/component.hpp"

namespace banano {

/// "banano-driver": create d1, get it, list, delete it, list again; prints one line per step.
cleave::component driver_component();

}  // namespace banano
