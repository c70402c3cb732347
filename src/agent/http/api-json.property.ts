import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Any JSON value: OpenAPI 3.0 has no "any" type, so its alternatives. */
const ANY_JSON = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
  ],
  nullable: true,
};

/** A property that holds any JSON value (an agent's input, an output, a payload). */
export const ApiJsonProperty = (description: string, options: { required?: boolean } = {}): PropertyDecorator =>
  options.required === false ? ApiPropertyOptional({ description, ...ANY_JSON }) : ApiProperty({ description, ...ANY_JSON });

/** A property that holds a JSON object with any keys. */
export const ApiObjectProperty = (description: string, options: { required?: boolean; nullable?: boolean } = {}): PropertyDecorator =>
  (options.required === false ? ApiPropertyOptional : ApiProperty)({
    description,
    type: 'object',
    additionalProperties: true,
    nullable: options.nullable ?? false,
  });
