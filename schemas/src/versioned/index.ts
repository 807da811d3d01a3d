export { ChainBuilder, type LayoutCodec, type VersionedCodec } from "./chain.js";
export { CONVERSION_LOSSES, type ConversionLoss, conversionLossesMarkdown } from "./conversion-losses.js";
export { packIntoUuid, unpackFromUuid, fromUuidPair, toUuidPair } from "./uuid-compat.js";
