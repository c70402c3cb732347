import { IsDefined } from 'class-validator';
import type { JsonValue } from '../../../runtime/json.js';
import { ApiJsonProperty } from '../../../http/api-json.property.js';

export class SendInputDto {
  /** Any JSON: it joins the history as the user's message. */
  @ApiJsonProperty("Any JSON: it joins the history as the user's message")
  @IsDefined({ message: 'input is required (any JSON value)' })
  input: JsonValue;
}
