/// The OpenAPI 3 document of the API, served at /openapi.json. docs/openapi.json is this text
/// (`swissagent api --print-openapi`); a test keeps the two, and the served routes, in agreement.
public enum OpenAPIDocument {
    public static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "swissagent API",
        "version": "1.0.0",
        "description": "Submit AI-agent jobs to the swissagent queue, follow their output, and manage them. Every error is JSON: {\"error\": {\"code\", \"message\"}}. Each bearer token belongs to a tenant, which sees and acts on its own jobs only (another tenant's job is 404) and uses the queues its token names (another queue is 400 queue_not_allowed); job ids a client chooses are its tenant's own. An admin token sees all."
      },
      "servers": [
        {
          "url": "http://127.0.0.1:8080"
        }
      ],
      "security": [
        {
          "bearer": []
        }
      ],
      "paths": {
        "/healthz": {
          "get": {
            "operationId": "health",
            "summary": "The process is up.",
            "security": [],
            "responses": {
              "200": {
                "description": "Up.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Status"
                    }
                  }
                }
              }
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "ready",
            "summary": "Redis is reachable: the API can take jobs.",
            "security": [],
            "responses": {
              "200": {
                "description": "Ready.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Status"
                    }
                  }
                }
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics: queue depths by state, attempts by outcome, job durations, workers, API requests and latencies.",
            "security": [],
            "responses": {
              "200": {
                "description": "Prometheus text format 0.0.4.",
                "content": {
                  "text/plain": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {
              "200": {
                "description": "The OpenAPI document.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                }
              }
            }
          }
        },
        "/v1/jobs": {
          "post": {
            "operationId": "submitJob",
            "summary": "Submit a job.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/JobSpec"
                  }
                }
              }
            },
            "responses": {
              "201": {
                "description": "Queued.",
                "headers": {
                  "Location": {
                    "description": "The job's URL.",
                    "schema": {
                      "type": "string"
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Submitted"
                    }
                  }
                },
                "links": {
                  "GetJob": {
                    "operationId": "getJob",
                    "parameters": {
                      "id": "$response.body#/id"
                    }
                  },
                  "CancelJob": {
                    "operationId": "cancelJob",
                    "parameters": {
                      "id": "$response.body#/id"
                    }
                  },
                  "RequeueJob": {
                    "operationId": "requeueJob",
                    "parameters": {
                      "id": "$response.body#/id"
                    }
                  },
                  "DeleteJob": {
                    "operationId": "deleteJob",
                    "parameters": {
                      "id": "$response.body#/id"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/Error"
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "409": {
                "$ref": "#/components/responses/Error"
              },
              "413": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          },
          "get": {
            "operationId": "listJobs",
            "summary": "A page of a queue's jobs in one state, newest first.",
            "parameters": [
              {
                "name": "state",
                "in": "query",
                "schema": {
                  "$ref": "#/components/schemas/State"
                }
              },
              {
                "name": "queue",
                "in": "query",
                "schema": {
                  "$ref": "#/components/schemas/Name"
                }
              },
              {
                "name": "limit",
                "in": "query",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 500,
                  "default": 50
                }
              },
              {
                "name": "cursor",
                "in": "query",
                "description": "next_cursor of the page before.",
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "default": 0
                }
              }
            ],
            "responses": {
              "200": {
                "description": "A page.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/JobPage"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/Error"
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/v1/jobs/{id}": {
          "parameters": [
            {
              "$ref": "#/components/parameters/JobID"
            }
          ],
          "get": {
            "operationId": "getJob",
            "summary": "A job: state, attempts, steps, result, error and spec.",
            "responses": {
              "200": {
                "description": "The job.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Job"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "404": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          },
          "delete": {
            "operationId": "deleteJob",
            "summary": "Delete a job that is not running.",
            "responses": {
              "204": {
                "description": "Deleted."
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "404": {
                "$ref": "#/components/responses/Error"
              },
              "409": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/v1/jobs/{id}/requeue": {
          "parameters": [
            {
              "$ref": "#/components/parameters/JobID"
            }
          ],
          "post": {
            "operationId": "requeueJob",
            "summary": "Run a failed, succeeded or cancelled job again, with fresh attempts.",
            "responses": {
              "200": {
                "description": "Pending again.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Transition"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "404": {
                "$ref": "#/components/responses/Error"
              },
              "409": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/v1/jobs/{id}/cancel": {
          "parameters": [
            {
              "$ref": "#/components/parameters/JobID"
            }
          ],
          "post": {
            "operationId": "cancelJob",
            "summary": "Cancel a job: at once if waiting, by signal to its worker if running.",
            "responses": {
              "200": {
                "description": "Cancelled.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Transition"
                    }
                  }
                }
              },
              "202": {
                "description": "Running: its worker has been asked to stop it.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Transition"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "404": {
                "$ref": "#/components/responses/Error"
              },
              "409": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/v1/jobs/{id}/output": {
          "parameters": [
            {
              "$ref": "#/components/parameters/JobID"
            },
            {
              "name": "Last-Event-ID",
              "in": "header",
              "description": "Resume after this event.",
              "schema": {
                "type": "string"
              }
            }
          ],
          "get": {
            "operationId": "jobOutput",
            "summary": "The job's output as Server-Sent Events, live, ending with an `end` event when the job ends.",
            "description": "Events: `output` (data: {step, stream, text}; id: its place in the stream, for Last-Event-ID) and `end` (data: {state}). Comments keep the connection alive.",
            "responses": {
              "200": {
                "description": "An event stream.",
                "content": {
                  "text/event-stream": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/Error"
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "404": {
                "$ref": "#/components/responses/Error"
              },
              "429": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        },
        "/v1/queues": {
          "get": {
            "operationId": "listQueues",
            "summary": "Every queue's depth by state, as `swissagent queues` shows it.",
            "responses": {
              "200": {
                "description": "The queues.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object",
                      "required": [
                        "queues"
                      ],
                      "properties": {
                        "queues": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/QueueStats"
                          }
                        }
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Error"
              },
              "503": {
                "$ref": "#/components/responses/Error"
              }
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearer": {
            "type": "http",
            "scheme": "bearer"
          }
        },
        "parameters": {
          "JobID": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        },
        "responses": {
          "Error": {
            "description": "An error, with a code and a message that says what to fix.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "schemas": {
          "Error": {
            "type": "object",
            "required": [
              "error"
            ],
            "properties": {
              "error": {
                "type": "object",
                "required": [
                  "code",
                  "message"
                ],
                "properties": {
                  "code": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  }
                }
              }
            }
          },
          "Status": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "type": "string"
              }
            }
          },
          "Name": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.:@-]{1,128}$"
          },
          "State": {
            "type": "string",
            "enum": [
              "pending",
              "scheduled",
              "active",
              "retrying",
              "succeeded",
              "failed",
              "cancelled"
            ]
          },
          "Seconds": {
            "type": "number",
            "exclusiveMinimum": true,
            "minimum": 0,
            "maximum": 604800
          },
          "StepLimits": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "memory_mb": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1099511627776
              },
              "output_bytes": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1099511627776
              },
              "cpu_s": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1099511627776
              },
              "processes": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1099511627776
              },
              "disk_mb": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1099511627776
              }
            }
          },
          "Step": {
            "oneOf": [
              {
                "type": "object",
                "required": [
                  "tool",
                  "input"
                ],
                "additionalProperties": false,
                "properties": {
                  "tool": {
                    "type": "string",
                    "enum": [
                      "shell"
                    ]
                  },
                  "input": {
                    "type": "object",
                    "required": [
                      "command"
                    ],
                    "properties": {
                      "command": {
                        "type": "string"
                      }
                    }
                  },
                  "timeout_s": {
                    "$ref": "#/components/schemas/Seconds"
                  },
                  "network": {
                    "type": "boolean"
                  },
                  "limits": {
                    "$ref": "#/components/schemas/StepLimits"
                  }
                }
              },
              {
                "type": "object",
                "required": [
                  "tool",
                  "input"
                ],
                "additionalProperties": false,
                "properties": {
                  "tool": {
                    "type": "string",
                    "enum": [
                      "code"
                    ]
                  },
                  "input": {
                    "type": "object",
                    "required": [
                      "language",
                      "source"
                    ],
                    "properties": {
                      "language": {
                        "type": "string"
                      },
                      "source": {
                        "type": "string"
                      }
                    }
                  },
                  "timeout_s": {
                    "$ref": "#/components/schemas/Seconds"
                  },
                  "network": {
                    "type": "boolean"
                  },
                  "limits": {
                    "$ref": "#/components/schemas/StepLimits"
                  }
                }
              },
              {
                "type": "object",
                "required": [
                  "tool",
                  "input"
                ],
                "additionalProperties": false,
                "properties": {
                  "tool": {
                    "type": "string",
                    "enum": [
                      "write_file"
                    ]
                  },
                  "input": {
                    "type": "object",
                    "required": [
                      "content",
                      "path"
                    ],
                    "properties": {
                      "path": {
                        "type": "string"
                      },
                      "content": {
                        "type": "string"
                      }
                    }
                  },
                  "timeout_s": {
                    "$ref": "#/components/schemas/Seconds"
                  },
                  "network": {
                    "type": "boolean"
                  },
                  "limits": {
                    "$ref": "#/components/schemas/StepLimits"
                  }
                }
              },
              {
                "type": "object",
                "required": [
                  "tool",
                  "input"
                ],
                "additionalProperties": false,
                "properties": {
                  "tool": {
                    "type": "string",
                    "enum": [
                      "read_file"
                    ]
                  },
                  "input": {
                    "type": "object",
                    "required": [
                      "path"
                    ],
                    "properties": {
                      "path": {
                        "type": "string"
                      }
                    }
                  },
                  "timeout_s": {
                    "$ref": "#/components/schemas/Seconds"
                  },
                  "network": {
                    "type": "boolean"
                  },
                  "limits": {
                    "$ref": "#/components/schemas/StepLimits"
                  }
                }
              }
            ]
          },
          "JobSpec": {
            "type": "object",
            "additionalProperties": false,
            "anyOf": [
              {
                "required": [
                  "steps"
                ]
              },
              {
                "required": [
                  "task"
                ]
              }
            ],
            "description": "A job: steps to run, or a task for the planner.",
            "properties": {
              "id": {
                "$ref": "#/components/schemas/Name"
              },
              "queue": {
                "$ref": "#/components/schemas/Name"
              },
              "tenant": {
                "type": "string",
                "description": "Set from the token; only an admin may choose it."
              },
              "task": {
                "type": "string",
                "minLength": 1
              },
              "steps": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "$ref": "#/components/schemas/Step"
                }
              },
              "sandbox": {
                "type": "string",
                "enum": [
                  "local",
                  "e2b",
                  "auto"
                ]
              },
              "residency": {
                "type": "string"
              },
              "timeout_s": {
                "$ref": "#/components/schemas/Seconds"
              },
              "max_attempts": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100
              },
              "run_at": {
                "type": "number",
                "minimum": 0,
                "maximum": 253402300799,
                "description": "Unix time in seconds to run at."
              },
              "env": {
                "type": "object",
                "additionalProperties": {
                  "type": "string"
                }
              },
              "metadata": {
                "type": "object"
              }
            }
          },
          "Submitted": {
            "type": "object",
            "required": [
              "id",
              "queue",
              "state"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "queue": {
                "type": "string"
              },
              "state": {
                "type": "string",
                "enum": [
                  "pending",
                  "scheduled"
                ]
              }
            }
          },
          "Transition": {
            "type": "object",
            "required": [
              "id",
              "state"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "state": {
                "$ref": "#/components/schemas/State"
              },
              "cancel_requested": {
                "type": "boolean"
              }
            }
          },
          "JobSummary": {
            "type": "object",
            "required": [
              "id",
              "queue",
              "state",
              "attempts"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "queue": {
                "type": "string"
              },
              "state": {
                "$ref": "#/components/schemas/State"
              },
              "tenant": {
                "type": "string",
                "nullable": true
              },
              "attempts": {
                "type": "integer"
              },
              "error": {
                "type": "string",
                "nullable": true
              },
              "tools": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "max_attempts": {
                "type": "integer"
              },
              "worker": {
                "type": "string",
                "nullable": true
              },
              "created_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "updated_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              }
            }
          },
          "JobPage": {
            "type": "object",
            "required": [
              "jobs"
            ],
            "properties": {
              "jobs": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/JobSummary"
                }
              },
              "next_cursor": {
                "type": "string",
                "description": "Pass as cursor for the next page; absent on the last page."
              }
            }
          },
          "Job": {
            "type": "object",
            "required": [
              "id",
              "queue",
              "state",
              "attempts",
              "max_attempts",
              "steps"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "queue": {
                "type": "string"
              },
              "state": {
                "$ref": "#/components/schemas/State"
              },
              "attempts": {
                "type": "integer"
              },
              "max_attempts": {
                "type": "integer"
              },
              "error": {
                "type": "string",
                "nullable": true
              },
              "result": {
                "type": "string",
                "nullable": true
              },
              "spec": {
                "type": "object",
                "nullable": true
              },
              "steps": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "tool",
                    "status"
                  ],
                  "properties": {
                    "tool": {
                      "type": "string"
                    },
                    "status": {
                      "type": "string"
                    },
                    "seconds": {
                      "type": "number",
                      "nullable": true
                    },
                    "exit_code": {
                      "type": "integer",
                      "nullable": true
                    },
                    "started_at": {
                      "type": "number",
                      "description": "unix seconds"
                    },
                    "output_bytes": {
                      "type": "integer"
                    },
                    "error": {
                      "type": "string"
                    },
                    "limits": {
                      "type": "object",
                      "description": "the limits the step ran under",
                      "properties": {
                        "timeout_s": {
                          "type": "number"
                        },
                        "cpu_s": {
                          "type": "integer"
                        },
                        "memory_mb": {
                          "type": "integer"
                        },
                        "processes": {
                          "type": "integer"
                        },
                        "output_bytes": {
                          "type": "integer"
                        },
                        "disk_mb": {
                          "type": "integer"
                        }
                      }
                    }
                  }
                }
              },
              "created_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "updated_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "finished_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "run_at": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "lease_until": {
                "type": "string",
                "format": "date-time",
                "nullable": true
              },
              "orphaned": {
                "type": "integer"
              },
              "worker": {
                "type": "string",
                "nullable": true
              },
              "sandbox": {
                "type": "string",
                "nullable": true
              },
              "cancel_requested": {
                "type": "boolean"
              },
              "sandbox_seconds": {
                "type": "number",
                "nullable": true
              },
              "cost_usd": {
                "type": "number",
                "nullable": true
              },
              "history": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "at",
                    "event"
                  ],
                  "properties": {
                    "at": {
                      "type": "string",
                      "format": "date-time",
                      "nullable": true
                    },
                    "event": {
                      "type": "string"
                    },
                    "attempt": {
                      "type": "integer",
                      "nullable": true
                    },
                    "worker": {
                      "type": "string",
                      "nullable": true
                    },
                    "error": {
                      "type": "string",
                      "nullable": true
                    },
                    "note": {
                      "type": "string",
                      "nullable": true
                    }
                  }
                }
              }
            }
          },
          "QueueStats": {
            "type": "object",
            "required": [
              "queue",
              "paused",
              "pending",
              "active",
              "scheduled",
              "retrying",
              "failed",
              "succeeded",
              "cancelled"
            ],
            "properties": {
              "queue": {
                "type": "string"
              },
              "paused": {
                "type": "boolean"
              },
              "pending": {
                "type": "integer"
              },
              "active": {
                "type": "integer"
              },
              "scheduled": {
                "type": "integer"
              },
              "retrying": {
                "type": "integer"
              },
              "failed": {
                "type": "integer"
              },
              "succeeded": {
                "type": "integer"
              },
              "cancelled": {
                "type": "integer"
              },
              "oldest_pending_s": {
                "type": "number",
                "nullable": true
              }
            }
          }
        }
      }
    }
    """#
}
