# %% [markdown]
# # Custom training loops
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# `fit()` covers most needs, but some models need a loop you write yourself: a
# different optimizer per part of the network, an unusual schedule, or simply
# full control over what happens at each step. Writing the loop also shows what
# `fit()` does for you: sampling batches, running the model in training mode,
# adding the regularization losses, applying the gradients, updating and
# resetting the metrics, and reporting progress.
#
# Rules: use TensorFlow (or `keras.ops`) operations inside the steps so they
# also work inside `tf.function`; do **not** call `fit()` or `train_on_batch()`.
# Run `tfgrader check training your_file` to test your work before you submit;
# the hidden checks test much more than the public ones.

# %%
import keras  # noqa: F401 - the imports your answers need
import numpy as np  # noqa: F401
import tensorflow as tf  # noqa: F401

# %% [markdown]
# ## 1. `random_batch(X, y, batch_size=32)`
#
# Draw `batch_size` row indices at random **with replacement** and return the
# rows of `X` and of `y` at those same indices: `(X_batch, y_batch)`.
# `X` and `y` are NumPy arrays with the same number of rows.


# %%
def random_batch(X, y, batch_size=32):
    """Return `batch_size` rows of X and the matching rows of y, drawn with replacement."""
    # BEGIN SOLUTION
    idx = np.random.randint(len(X), size=batch_size)
    return X[idx], y[idx]
    # END SOLUTION


# %% [markdown]
# ## 2. `print_status_bar(step, total, loss, metrics=None)`
#
# Print one progress line, overwritten at each step thanks to the carriage
# return `"\r"` at its start:
#
# `"\r{step}/{total} - loss: {loss:.4f}"` then `" - {name}: {value:.4f}"` for
# each metric (its `.name` and `.result()`), and end the line with `"\n"` only
# when `step == total` (otherwise print nothing after it: `end=""`).
#
# Example: `print_status_bar(3, 10, 0.123456)` prints `"\r3/10 - loss: 0.1235"`.


# %%
def print_status_bar(step, total, loss, metrics=None):
    """Print the progress of an epoch on one line."""
    # BEGIN SOLUTION
    parts = [f"loss: {loss:.4f}"]
    parts += [f"{metric.name}: {metric.result():.4f}" for metric in metrics or []]
    end = "\n" if step == total else ""
    print(f"\r{step}/{total} - " + " - ".join(parts), end=end)
    # END SOLUTION


# %% [markdown]
# ## 3. `train_step(model, optimizer, loss_fn, X_batch, y_batch)`
#
# One gradient step, as `fit()` does it:
#
# 1. inside a `tf.GradientTape`, run the model in training mode
#    (`training=True`: dropout and batch normalization behave as in training);
# 2. the loss is the mean of `loss_fn(y_batch, y_pred)` **plus** the
#    regularization losses the layers collected in `model.losses`;
# 3. compute the gradients w.r.t. `model.trainable_variables` and apply them
#    with `optimizer.apply_gradients` (one optimizer step);
# 4. return the loss.
#
# Keep everything a TensorFlow operation, so `tf.function(train_step)` works
# and is not retraced for each batch.


# %%
def train_step(model, optimizer, loss_fn, X_batch, y_batch):
    """Run one optimization step on a batch and return the loss."""
    # BEGIN SOLUTION
    with tf.GradientTape() as tape:
        y_pred = model(X_batch, training=True)
        main_loss = tf.reduce_mean(loss_fn(y_batch, y_pred))
        loss = tf.add_n([main_loss] + model.losses)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return loss
    # END SOLUTION


# %% [markdown]
# ## 4. `fit_custom(model, X, y, n_epochs, batch_size, optimizer, loss_fn, metrics=())`
#
# The book's custom loop. Each epoch runs `len(X) // batch_size` steps; each
# step draws a batch with `random_batch(X, y, batch_size)` and trains on it with
# `train_step`. Keep a `keras.metrics.Mean` of the step losses and update every
# metric of `metrics` with the batch's targets and the model's predictions;
# show progress with `print_status_bar`. At the end of each epoch record each
# value, then reset the mean loss and the metrics so the next epoch starts
# afresh.
#
# Return `{"loss": [...], metric.name: [...], ...}`: one number per epoch in
# each list.


# %%
def fit_custom(model, X, y, n_epochs, batch_size, optimizer, loss_fn, metrics=()):
    """Train `model` with a hand-written loop; return the per-epoch history."""
    # BEGIN SOLUTION
    metrics = list(metrics)
    mean_loss = keras.metrics.Mean(name="loss")
    n_steps = len(X) // batch_size
    history = {"loss": [], **{metric.name: [] for metric in metrics}}
    for epoch in range(1, n_epochs + 1):
        print(f"Epoch {epoch}/{n_epochs}")
        for step in range(1, n_steps + 1):
            X_batch, y_batch = random_batch(X, y, batch_size)
            loss = train_step(model, optimizer, loss_fn, X_batch, y_batch)
            mean_loss.update_state(loss)
            y_pred = model(X_batch, training=False)
            for metric in metrics:
                metric.update_state(y_batch, y_pred)
            print_status_bar(step, n_steps, mean_loss.result(), metrics)
        for metric in [mean_loss] + metrics:
            history[metric.name].append(float(metric.result()))
            metric.reset_state()
    return history
    # END SOLUTION


# %% [markdown]
# ## 5. `train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X_batch, y_batch)`
#
# End-of-chapter exercise 13b: train the lower layers and the upper layers of
# a model with different optimizers (say a small learning rate for pretrained
# lower layers, a larger one for a new head). The model is `upper(lower(X))`.
#
# Record the forward pass on **one persistent** `tf.GradientTape`, compute the
# loss (mean of `loss_fn(y_batch, y_pred)`), then get the gradients of the
# loss w.r.t. `lower.trainable_variables` and apply them with `opt_lower`, and
# w.r.t. `upper.trainable_variables` and apply them with `opt_upper`. Each
# optimizer takes one step and moves only its own part. Return the loss.


# %%
def train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X_batch, y_batch):
    """One step where each part of the model has its own optimizer; return the loss."""
    # BEGIN SOLUTION
    with tf.GradientTape(persistent=True) as tape:
        y_pred = upper(lower(X_batch, training=True), training=True)
        main_loss = tf.reduce_mean(loss_fn(y_batch, y_pred))
        loss = tf.add_n([main_loss] + lower.losses + upper.losses)
    for part, optimizer in ((lower, opt_lower), (upper, opt_upper)):
        gradients = tape.gradient(loss, part.trainable_variables)
        optimizer.apply_gradients(zip(gradients, part.trainable_variables, strict=True))
    del tape
    return loss
    # END SOLUTION


# %% [markdown]
# ## 6. `train_classifier(X_train, y_train, X_valid, y_valid)`
#
# End-of-chapter exercise 13a. The inputs are 28×28 grey images (float32 in
# [0, 1], shape `[n, 28, 28]`) of 10 classes, with integer labels 0 to 9.
# Build a classifier, train it with **your own loop** (no `fit()`), show the
# training loss and accuracy and the validation accuracy at each epoch, and
# return the trained `keras.Model`.
#
# It is graded on images it has never seen: the returned model is called on a
# float32 `[n, 28, 28]` batch and must give 10 scores per image (probabilities
# or logits: the highest wins) and classify at least 85 % of them correctly.
# Training gets 150 seconds on one CPU thread: a small dense network trained
# for a few epochs needs only seconds, especially with its step wrapped in
# `tf.function`.


# %%
def train_classifier(X_train, y_train, X_valid, y_valid):
    """Build and train a 10-class image classifier with a custom loop; return the model."""
    # BEGIN SOLUTION
    n_epochs, batch_size = 5, 32
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    optimizer = keras.optimizers.Nadam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    mean_loss = keras.metrics.Mean(name="loss")
    accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @tf.function
    def step(X_batch, y_batch):
        with tf.GradientTape() as tape:
            y_proba = model(X_batch, training=True)
            loss = tf.add_n([tf.reduce_mean(loss_fn(y_batch, y_proba))] + model.losses)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        mean_loss.update_state(loss)
        accuracy.update_state(y_batch, y_proba)

    dataset = tf.data.Dataset.from_tensor_slices((X_train, y_train))
    for epoch in range(1, n_epochs + 1):
        for X_batch, y_batch in dataset.shuffle(len(X_train)).batch(batch_size):
            step(X_batch, y_batch)
        y_valid_proba = model(X_valid, training=False)
        valid_accuracy = keras.metrics.SparseCategoricalAccuracy()(y_valid, y_valid_proba)
        print(f"Epoch {epoch}/{n_epochs} - loss: {mean_loss.result():.4f} - accuracy: {accuracy.result():.4f}"
              f" - val_accuracy: {valid_accuracy:.4f}")
        mean_loss.reset_state()
        accuracy.reset_state()
    return model
    # END SOLUTION
