export { CONVERSION_LOSSES, type ConversionLoss, conversionLossesMarkdown } from "./conversion-losses.js";
