#pragma once
// The public surface of the qlinear core in one include.
#include "qlinear/error.hpp"
#include "qlinear/metrics.hpp"
#include "qlinear/observer.hpp"
#include "qlinear/qparams.hpp"
#include "qlinear/quantize.hpp"
#include "qlinear/shape.hpp"
#include "qlinear/span.hpp"
#include "qlinear/activation.hpp"
#include "qlinear/linear.hpp"
#include "qlinear/model.hpp"
#include "qlinear/quant_linear.hpp"
#include "qlinear/report.hpp"
