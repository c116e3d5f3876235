/**
 * How a record field is written in `schemas/*.avsc`: the Avro primitive, or the logical type with its
 * parameters. Decimals carry precision and scale because the scale is part of the contract (a price
 * at scale 10 cannot be written into a field of scale 8 without rounding).
 */
export type AvroKind = 'string' | 'long' | 'boolean' | 'timestamp-millis' | 'decimal(38,10)' | 'decimal(38,20)';
